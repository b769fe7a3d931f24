import { createHmac, randomBytes } from 'node:crypto';
import type { DrillContext } from '../contracts/types.js';
import type { KubeObject } from '../kube/types.js';
import { splitApiVersion } from '../kube/paths.js';

/** Metadata fields the apiserver fills in or changes on every write: never part of a comparison. */
const VOLATILE_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/** Annotations written by kubectl or controllers; the first one holds a Secret's data in plaintext. */
const VOLATILE_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'control-plane.alpha.kubernetes.io/leader',
];

/** Labels that carry the uid of a Job (they change whenever the Job is re-created). */
const JOB_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

export interface NormalizeOptions {
  /** Keep `status` (for resources whose status is part of the object, i.e. without a status subresource). */
  keepStatus?: boolean;
}

/** A deep copy of `obj` without server-populated, allocated or controller-written fields, so that two captures compare. */
export function normalizeObject(obj: KubeObject, options: NormalizeOptions = {}): KubeObject {
  const out = structuredClone(obj);
  const meta = out.metadata ?? { name: '' };
  for (const field of VOLATILE_METADATA) delete meta[field];
  removeKeys(meta, 'annotations', VOLATILE_ANNOTATIONS);
  if (Array.isArray(meta.ownerReferences)) {
    meta.ownerReferences = meta.ownerReferences.map(({ uid: _uid, ...rest }) => rest) as typeof meta.ownerReferences;
  }
  if (!options.keepStatus) delete out.status;
  normalizeKind(out);
  dropEmpty(meta, 'annotations');
  dropEmpty(meta, 'labels');
  return out;
}

/** Per-kind fields the cluster allocates or computes (node ports, aggregated rules, Job uids). */
function normalizeKind(obj: KubeObject): void {
  const { group } = splitApiVersion(obj.apiVersion ?? '');
  const spec = obj.spec as Record<string, unknown> | undefined;
  // A Service's clusterIP is compared: clients reach Services such as kube-dns by IP, and a restore keeps it.
  if (group === '' && obj.kind === 'Service' && spec) {
    delete spec.healthCheckNodePort;
    if (Array.isArray(spec.ports)) for (const port of spec.ports as Record<string, unknown>[]) delete port.nodePort;
  }
  if (group === 'rbac.authorization.k8s.io' && obj.kind === 'ClusterRole' && obj.aggregationRule) delete obj.rules;
  if (group === 'batch' && obj.kind === 'Job') {
    removeKeys(obj.metadata, 'labels', JOB_UID_LABELS);
    const selector = spec?.selector as Record<string, unknown> | undefined;
    if (selector) removeKeys(selector, 'matchLabels', JOB_UID_LABELS);
    const template = spec?.template as { metadata?: Record<string, unknown> } | undefined;
    if (template?.metadata) removeKeys(template.metadata, 'labels', JOB_UID_LABELS);
  }
  if (group === '' && obj.kind === 'Pod' && spec) delete spec.nodeName;
}

/**
 * A copy of a Secret whose data and stringData values are replaced by `hmac:<16 hex>` (HMAC-SHA256 of the decoded
 * bytes under `hashKey`): equal values stay equal, changed values show as changed, and no value survives. Other kinds
 * are returned unchanged.
 */
export function maskSecretData(obj: KubeObject, hashKey: Buffer | string): KubeObject {
  if (obj.kind !== 'Secret' || splitApiVersion(obj.apiVersion ?? '').group !== '') return obj;
  const out = structuredClone(obj);
  removeKeys(out.metadata, 'annotations', [VOLATILE_ANNOTATIONS[0]!]);
  dropEmpty(out.metadata, 'annotations');
  for (const field of ['data', 'stringData'] as const) {
    const values = out[field] as Record<string, string> | undefined;
    if (!values || typeof values !== 'object') continue;
    const masked: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      const bytes = field === 'data' ? Buffer.from(String(value), 'base64') : Buffer.from(String(value), 'utf8');
      masked[key] = `hmac:${createHmac('sha256', hashKey).update(bytes).digest('hex').slice(0, 16)}`;
    }
    out[field] = masked;
  }
  return out;
}

/**
 * A copy of an object of a kind the user marked secret-bearing (resource-export `sealKinds`, state-diff `maskKinds`):
 * every value outside apiVersion, kind, name, namespace, labels and owner references becomes `hmac:<16 hex>` under
 * `hashKey`. Keys stay, so a diff still says which field changed, never to what.
 */
export function maskAllValues(obj: KubeObject, hashKey: Buffer | string): KubeObject {
  const mask = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(mask);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v)]));
    return `hmac:${createHmac('sha256', hashKey).update(JSON.stringify(value)).digest('hex').slice(0, 16)}`;
  };
  const { apiVersion, kind, metadata, ...rest } = obj;
  const out = { apiVersion, kind, metadata: structuredClone(metadata), ...(mask(rest) as Record<string, unknown>) } as KubeObject;
  if (out.metadata.annotations) out.metadata.annotations = mask(out.metadata.annotations) as Record<string, string>;
  return out;
}

/** The identity of an object across clusters and versions: `group/kind/namespace/name` (core group and cluster scope empty). */
export function objectKey(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const { group } = splitApiVersion(obj.apiVersion ?? '');
  return `${group}/${obj.kind}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}

const HASH_KEY_FACT = 'kdrill.checks.hashKey';

/** The run's HMAC key for masking (random, kept in memory in ctx.facts so baseline and verify mask alike). */
export function runHashKey(ctx: Pick<DrillContext, 'facts'>): Buffer {
  let key = ctx.facts.get(HASH_KEY_FACT);
  if (!Buffer.isBuffer(key)) {
    key = randomBytes(32);
    ctx.facts.set(HASH_KEY_FACT, key);
  }
  return key as Buffer;
}

function removeKeys(holder: Record<string, unknown> | undefined, field: string, keys: readonly string[]): void {
  const map = holder?.[field] as Record<string, unknown> | undefined;
  if (!map || typeof map !== 'object') return;
  for (const key of keys) delete map[key];
}

function dropEmpty(holder: Record<string, unknown> | undefined, field: string): void {
  const value = holder?.[field];
  if (holder && value && typeof value === 'object' && Object.keys(value).length === 0) delete holder[field];
}
