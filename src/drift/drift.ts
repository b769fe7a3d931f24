import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { loadBootstrapPolicy, policyFor } from '../bootstrap/policy.js';
import type { StateComparison } from '../checks/diff/compare-states.js';
import type { Clock } from '../contracts/types.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/types.js';
import type { BackupStore } from '../store/types.js';
import { compareCrds, type CrdDrift } from './crds.js';
import { listLive } from './live.js';
import { compareObjects, type TypePair } from './objects.js';
import { compareRbac, splitRbac, type RbacDrift } from './rbac.js';
import { compareSecrets, type SecretDrift } from './secrets.js';
import { readDriftBackup } from './source.js';

/** What differs between a live cluster and a backup of it: per section, and counted. */
export interface DriftReport {
  backup: { id: string; createdAt: string; ageMs: number; serverVersion: string; objects: number };
  cluster: { serverVersion: string };
  crds: { compared: number; drift: CrdDrift[] };
  rbac: RbacDrift & { compared: number };
  secrets: { compared: number; drift: SecretDrift[] };
  objects: { compared: number; missing: string[]; extra: string[]; changed: { key: string; diff: string }[]; unchanged: number };
  /** Drifted items per section and in all: CRDs, RBAC objects, Secrets, other objects. */
  counts: { crds: number; rbac: number; secrets: number; objects: number; total: number };
  notes: string[];
}

export interface DriftInput {
  client: KubeClient;
  store: BackupStore;
  /** A backup id, or `latest`. */
  backup: string;
  audit: AuditLog;
  clock: Clock;
  /** Changed objects that get a rendered diff. */
  maxDiffs?: number;
}

const CRD = 'apiextensions.k8s.io/customresourcedefinitions';
const SECRETS = '/secrets';

/** Compare the live cluster with a resource-export backup: CRDs, effective RBAC, Secrets (keyed hashes), every other object. */
export async function computeDrift(input: DriftInput): Promise<DriftReport> {
  const content = await readDriftBackup(input.store, input.backup, input.audit);
  const [{ resources: live, catalog }, version] = await Promise.all([
    listLive(input.client, content.index),
    input.client.get<{ gitVersion?: string }>('/version'),
  ]);
  const runKey = randomBytes(32);
  const pairs: TypePair[] = content.resources.map(({ entry, items }) => ({ entry, backup: items, live: live.find((l) => l.entry === entry)?.items ?? [] }));
  const type = (p: TypePair) => `${p.entry.group}/${p.entry.resource}`;
  const isRbac = (p: TypePair) => p.entry.group === 'rbac.authorization.k8s.io';
  const of = (test: (p: TypePair) => boolean, side: 'backup' | 'live'): KubeObject[] => pairs.filter(test).flatMap((p) => p[side]);
  const crds = compareCrds(of((p) => type(p) === CRD, 'backup'), of((p) => type(p) === CRD, 'live'));
  const secrets = compareSecrets(of((p) => type(p) === SECRETS, 'backup'), of((p) => type(p) === SECRETS, 'live'), runKey);
  const policies = { backup: policyFor(content.index.serverVersion), live: await loadBootstrapPolicy(input.client) };
  const rbac = compareRbac(splitRbac(of(isRbac, 'backup')), splitRbac(of(isRbac, 'live')), catalog, policies);
  const others = pairs.filter((p) => !isRbac(p) && type(p) !== CRD && type(p) !== SECRETS);
  const objects = compareObjects(others, runKey, input.maxDiffs ?? 20);
  return report(content, version.gitVersion ?? '', input.clock, { crds, secrets, objects, rbac: { ...rbac, compared: of(isRbac, 'backup').length } }, notes(live, content.index.resources.length));
}

function report(
  content: Awaited<ReturnType<typeof readDriftBackup>>,
  serverVersion: string,
  clock: Clock,
  s: { crds: DriftReport['crds']; secrets: DriftReport['secrets']; objects: StateComparison; rbac: DriftReport['rbac'] },
  extraNotes: string[],
): DriftReport {
  const { manifest, index } = content;
  const objects = { compared: s.objects.missing.length + s.objects.changed.length + s.objects.unchanged, missing: s.objects.missing, extra: s.objects.extra, changed: s.objects.changed, unchanged: s.objects.unchanged };
  const counts = {
    crds: s.crds.drift.length,
    rbac: s.rbac.objects.added.length + s.rbac.objects.removed.length + s.rbac.objects.changed.length,
    secrets: s.secrets.drift.length,
    objects: objects.missing.length + objects.extra.length + objects.changed.length,
  };
  return {
    backup: { id: manifest.id, createdAt: manifest.createdAt, ageMs: clock.now() - Date.parse(manifest.createdAt), serverVersion: index.serverVersion, objects: content.resources.reduce((n, r) => n + r.items.length, 0) },
    cluster: { serverVersion },
    crds: s.crds,
    rbac: s.rbac,
    secrets: s.secrets,
    objects,
    counts: { ...counts, total: counts.crds + counts.rbac + counts.secrets + counts.objects },
    notes: [...s.rbac.policy, ...extraNotes],
  };
}

function notes(live: Awaited<ReturnType<typeof listLive>>['resources'], types: number): string[] {
  const gone = live.filter((l) => !l.version).map((l) => `${l.entry.kind}${l.entry.group ? `.${l.entry.group}` : ''}`);
  const moved = live.filter((l) => l.version && l.version !== l.entry.version).map((l) => `${l.entry.kind}.${l.entry.group} read at ${l.version} (backed up at ${l.entry.version})`);
  return [
    `${types} resource types compared, with the backup's own selection and skip rules`,
    ...(gone.length ? [`not served any more (every backed-up object counts as missing): ${gone.join(', ')}`] : []),
    ...moved,
  ];
}
