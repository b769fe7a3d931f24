import { readFileSync } from 'node:fs';
import type { KubeClient } from '../kube/client.js';

/** What the apiserver itself writes into one object: RBAC labels, rules, aggregationRule, roleRef, subjects; APF spec. */
export interface PolicyContent {
  labels?: Record<string, string>;
  rules?: unknown[];
  aggregationRule?: unknown;
  roleRef?: unknown;
  subjects?: unknown[];
  spec?: unknown;
}

interface PolicyEntry {
  kind: string;
  namespace?: string;
  name: string;
  /** `feature-gates`: the content with the apiserver's alpha/beta gates on (a cluster may run either). */
  variant?: string;
  minors: string[];
  content: PolicyContent;
}

interface PolicyData {
  format: 1;
  /** Minor → the module versions the data was generated from. */
  sources: Record<string, { kubernetes: string; apiserver: string }>;
  objects: PolicyEntry[];
}

/** The objects one kube-apiserver version creates and reconciles by itself (bootstrap RBAC, API priority and fairness). */
export interface BootstrapPolicy {
  /** The server's version as it reports it, e.g. `v1.37.2`. */
  serverVersion: string;
  /** The minor whose shipped policy is used, e.g. `1.37`. */
  minor: string;
  /** Where that policy comes from, e.g. `k8s.io/kubernetes v1.37.2 + k8s.io/apiserver v0.37.2`. */
  source: string;
  /** Set when the server's minor has no shipped policy: which one is used instead, for the evidence. */
  fallback?: string;
  /** The policy's content for one object (several variants at most), empty when the apiserver does not make it. */
  variants(kind: string, namespace: string | undefined, name: string): PolicyContent[];
  /** Every object of this minor's policy. */
  objects(): { kind: string; namespace?: string; name: string }[];
}

const DATA_FILE = new URL('./data/bootstrap-policy.json', import.meta.url);
let data: { raw: PolicyData; byId: Map<string, PolicyEntry[]> } | undefined;

function loadData(): NonNullable<typeof data> {
  if (data) return data;
  const raw = JSON.parse(readFileSync(DATA_FILE, 'utf8')) as PolicyData;
  const byId = new Map<string, PolicyEntry[]>();
  for (const entry of raw.objects) {
    const id = objectId(entry.kind, entry.namespace, entry.name);
    // The default content first, then the feature-gated variant.
    const entries = [...(byId.get(id) ?? []), entry].sort((a, b) => Number(Boolean(a.variant)) - Number(Boolean(b.variant)));
    byId.set(id, entries);
  }
  return (data = { raw, byId });
}

function objectId(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** Minors with a shipped policy, oldest first (`1.30` … `1.37`). */
export function shippedMinors(): string[] {
  return Object.keys(loadData().raw.sources).sort((a, b) => minorNumber(a) - minorNumber(b));
}

/** The bootstrap policy for a server version (`v1.37.2`, `v1.30.4+k3s1`, `v1.31.2-eks-…`); unknown minors use the nearest. */
export function policyFor(serverVersion: string): BootstrapPolicy {
  const { raw, byId } = loadData();
  const minors = shippedMinors();
  const wanted = /^v?(\d+)\.(\d+)/.exec(serverVersion);
  const asked = wanted ? `${wanted[1]}.${wanted[2]}` : undefined;
  const minor = asked && raw.sources[asked] ? asked : nearest(minors, asked);
  const source = raw.sources[minor]!;
  const policy: BootstrapPolicy = {
    serverVersion,
    minor,
    source: `k8s.io/kubernetes ${source.kubernetes} + k8s.io/apiserver ${source.apiserver}`,
    variants: (kind, namespace, name) => (byId.get(objectId(kind, namespace, name)) ?? []).filter((e) => e.minors.includes(minor)).map((e) => e.content),
    objects: () => [...byId.values()].map((entries) => entries.find((e) => e.minors.includes(minor))).filter((e) => e !== undefined)
      .map((e) => ({ kind: e.kind, ...(e.namespace ? { namespace: e.namespace } : {}), name: e.name })),
  };
  if (minor !== asked) {
    policy.fallback = `no bootstrap policy shipped for ${asked ? `Kubernetes ${asked}` : `version "${serverVersion}"`}: compared with ${minor}, the nearest of ${minors[0]}-${minors.at(-1)}`;
  }
  return policy;
}

/** The policy of the cluster behind `client` (its /version). */
export async function loadBootstrapPolicy(client: Pick<KubeClient, 'get'>): Promise<BootstrapPolicy> {
  const version = await client.get<{ gitVersion?: string }>('/version');
  return policyFor(version.gitVersion ?? '');
}

/** One line for evidence: which policy "bootstrap" was decided against. */
export function describePolicy(policy: BootstrapPolicy): string {
  const base = `bootstrap objects decided by content against the Kubernetes ${policy.minor} policy (${policy.source}) for server ${policy.serverVersion}`;
  return policy.fallback ? `${base}; ${policy.fallback}` : base;
}

function nearest(minors: string[], asked: string | undefined): string {
  if (!asked) return minors.at(-1)!;
  const n = minorNumber(asked);
  return minors.reduce((best, m) => (Math.abs(minorNumber(m) - n) < Math.abs(minorNumber(best) - n) ? m : best));
}

function minorNumber(minor: string): number {
  const [major = '0', min = '0'] = minor.split('.');
  return Number(major) * 1000 + Number(min);
}
