import type { KubeObject } from '../../kube/types.js';
import { containersOf, ownedByWorkload, podSpecOf, type KeyItems, type PodSpecJson } from './pod-spec.js';

export { keyedHash } from './hash.js';
export { inspectTlsSecret, type TlsInspection } from './tls.js';

/** One place a workload, ServiceAccount or Ingress names a Secret. */
export interface SecretReference {
  owner: { kind: string; namespace: string; name: string };
  /** The container for env/envFrom references. */
  container?: string;
  /** How it is referenced: `env DB_PASSWORD`, `envFrom`, `volume creds`, `projected volume all`, `imagePullSecrets`, `secrets`, `tls`. */
  via: string;
  /** The namespace the Secret is looked up in (a ServiceAccount's `secrets` may name another, which never works). */
  namespace: string;
  secret: string;
  key?: string;
  optional: boolean;
}

/** A Secret's identity and data keys (from the API, or from a baseline digest). */
export interface SecretKeys {
  namespace: string;
  name: string;
  keys: readonly string[];
}

export type UnresolvedReason = 'missing-secret' | 'missing-key' | 'wrong-namespace';

export interface UnresolvedReference {
  ref: SecretReference;
  reason: UnresolvedReason;
  /** `Deployment shop/web container api env DB_PASSWORD → secret shop/db key password: key missing`. */
  description: string;
}

type Owner = SecretReference['owner'];

/** Every Secret reference in workloads (skipping objects a workload controller owns), ServiceAccounts and Ingresses. */
export function collectReferences(objects: readonly KubeObject[]): SecretReference[] {
  const out: SecretReference[] = [];
  for (const object of objects) {
    const owner = { kind: object.kind, namespace: object.metadata.namespace ?? '', name: object.metadata.name };
    if (object.kind === 'ServiceAccount') out.push(...serviceAccountRefs(object, owner));
    else if (object.kind === 'Ingress') out.push(...ingressRefs(object, owner));
    else {
      const spec = podSpecOf(object);
      if (spec && !ownedByWorkload(object)) out.push(...podSpecRefs(spec, owner));
    }
  }
  return out;
}

function podSpecRefs(spec: PodSpecJson, owner: Owner): SecretReference[] {
  const ref = (via: string, secret: string | undefined, extra: Partial<SecretReference> = {}): SecretReference[] =>
    secret ? [{ owner, via, namespace: owner.namespace, secret, optional: false, ...extra }] : [];
  const out: SecretReference[] = [];
  for (const c of containersOf(spec)) {
    const container = c.name ?? '';
    for (const env of c.env ?? []) {
      const s = env.valueFrom?.secretKeyRef;
      if (s) out.push(...ref(`env ${env.name ?? ''}`, s.name, { container, ...(s.key ? { key: s.key } : {}), optional: s.optional === true }));
    }
    for (const from of c.envFrom ?? []) if (from.secretRef) out.push(...ref('envFrom', from.secretRef.name, { container, optional: from.secretRef.optional === true }));
  }
  for (const volume of spec.volumes ?? []) {
    if (volume.secret) out.push(...itemRefs(`volume ${volume.name ?? ''}`, volume.secret.secretName, volume.secret, ref));
    for (const source of volume.projected?.sources ?? []) {
      if (source.secret) out.push(...itemRefs(`projected volume ${volume.name ?? ''}`, source.secret.name, source.secret, ref));
    }
  }
  for (const pull of spec.imagePullSecrets ?? []) out.push(...ref('imagePullSecrets', pull.name));
  return out;
}

type RefMaker = (via: string, secret: string | undefined, extra?: Partial<SecretReference>) => SecretReference[];

/** A secret volume with `items` needs each listed key; without, the Secret only. */
function itemRefs(via: string, secret: string | undefined, source: KeyItems, ref: RefMaker): SecretReference[] {
  const optional = source.optional === true;
  const keys = (source.items ?? []).map((i) => i.key).filter((k): k is string => Boolean(k));
  return keys.length ? keys.flatMap((key) => ref(via, secret, { key, optional })) : ref(via, secret, { optional });
}

function serviceAccountRefs(sa: KubeObject, owner: Owner): SecretReference[] {
  const pulls = (sa.imagePullSecrets ?? []) as { name?: string }[];
  const secrets = (sa.secrets ?? []) as { name?: string; namespace?: string }[];
  return [
    ...pulls.filter((p) => p.name).map((p) => ({ owner, via: 'imagePullSecrets', namespace: owner.namespace, secret: p.name as string, optional: false })),
    ...secrets.filter((s) => s.name).map((s) => ({ owner, via: 'secrets', namespace: s.namespace || owner.namespace, secret: s.name as string, optional: false })),
  ];
}

function ingressRefs(ingress: KubeObject, owner: Owner): SecretReference[] {
  const tls = ((ingress.spec as { tls?: { secretName?: string }[] } | undefined)?.tls ?? []).filter((t) => t.secretName);
  // An ingress controller serves the pair: both keys must be there.
  return tls.flatMap((t) => ['tls.crt', 'tls.key'].map((key) => ({ owner, via: 'tls', namespace: owner.namespace, secret: t.secretName as string, key, optional: false })));
}

/** The data keys of a Secret object. */
export function secretKeys(secret: KubeObject): SecretKeys {
  const keys = new Set([...Object.keys((secret.data ?? {}) as object), ...Object.keys((secret.stringData ?? {}) as object)]);
  return { namespace: secret.metadata.namespace ?? '', name: secret.metadata.name, keys: [...keys].sort() };
}

/** References that do not resolve against `secrets` (optional ones never count). */
export function resolveReferences(refs: readonly SecretReference[], secrets: readonly SecretKeys[]): UnresolvedReference[] {
  const byId = new Map(secrets.map((s) => [`${s.namespace}/${s.name}`, new Set(s.keys)]));
  const out: UnresolvedReference[] = [];
  for (const ref of refs) {
    if (ref.optional) continue;
    const problem = problemOf(ref, byId, secrets);
    if (problem) out.push({ ref, reason: problem[0], description: `${describeReference(ref)}: ${problem[1]}` });
  }
  return out;
}

function problemOf(ref: SecretReference, byId: Map<string, Set<string>>, secrets: readonly SecretKeys[]): [UnresolvedReason, string] | undefined {
  if (ref.namespace !== ref.owner.namespace) return ['wrong-namespace', `the Secret is in namespace ${ref.namespace}, not ${ref.owner.namespace}`];
  const keys = byId.get(`${ref.namespace}/${ref.secret}`);
  if (!keys) {
    const elsewhere = secrets.filter((s) => s.name === ref.secret).map((s) => s.namespace);
    return ['missing-secret', elsewhere.length ? `secret missing (one of that name is in ${elsewhere.join(', ')})` : 'secret missing'];
  }
  if (ref.key !== undefined && !keys.has(ref.key)) return ['missing-key', 'key missing'];
  return undefined;
}

/** `Deployment shop/web container api env DB_PASSWORD → secret shop/db key password`. */
export function describeReference(ref: SecretReference): string {
  const container = ref.container ? ` container ${ref.container}` : '';
  const key = ref.key ? ` key ${ref.key}` : '';
  return `${ref.owner.kind} ${ref.owner.namespace}/${ref.owner.name}${container} ${ref.via} → secret ${ref.namespace}/${ref.secret}${key}`;
}
