import { apiserverDefault } from '../bootstrap/defaults.js';
import type { BootstrapPolicy } from '../bootstrap/policy.js';
import type { ApiResource, KubeObject } from '../kube/types.js';

/** Resources never captured: recreated by the cluster itself, or churn by nature (field-notes section 8). */
const SKIPPED_RESOURCES = new Set([
  '/events',
  'events.k8s.io/events',
  'coordination.k8s.io/leases',
  '/endpoints',
  'discovery.k8s.io/endpointslices',
  '/nodes',
  '/componentstatuses',
  // The apiserver's own per-instance bookkeeping (alpha StorageVersion API).
  'internal.apiserver.k8s.io/storageversions',
  // One allocation record per Service cluster IP: a restored Service gets a new IP and a new record.
  'networking.k8s.io/ipaddresses',
]);

/** Objects the apiserver or controllers write in every cluster: they differ between clusters without meaning anything. */
const SKIPPED_OBJECTS = new Set([
  '/Service/default/kubernetes',
  '/ConfigMap/kube-system/extension-apiserver-authentication',
  '/ConfigMap/kube-system/kube-apiserver-legacy-service-account-token-tracking',
  'networking.k8s.io/ServiceCIDR//kubernetes',
  'scheduling.k8s.io/PriorityClass//system-cluster-critical',
  'scheduling.k8s.io/PriorityClass//system-node-critical',
]);

const SKIPPED_SECRET_TYPES = new Set(['kubernetes.io/service-account-token', 'bootstrap.kubernetes.io/token']);

/** True when a resource is captured at all: it must be listable and not in the default skip list. */
export function isCapturable(resource: ApiResource): boolean {
  if (!resource.verbs.includes('list') || !resource.verbs.includes('get')) return false;
  return !SKIPPED_RESOURCES.has(`${resource.group}/${resource.name}`);
}

/**
 * True when a listed object is left out by default: being deleted, written by the cluster itself, a token, a
 * controller-owned pod, kdrill's own marker, or an apiserver default. Apiserver defaults (bootstrap RBAC, APF
 * configuration, local APIServices) are decided by content against the server's `policy`: names, labels and
 * annotations anyone can set never hide an object.
 */
export function isSkippedObject(obj: KubeObject, key: string, policy: BootstrapPolicy): boolean {
  const meta = obj.metadata ?? { name: '' };
  if (meta.deletionTimestamp) return true;
  if (SKIPPED_OBJECTS.has(key)) return true;
  if (isKdrillMarker(obj)) return true;
  if (obj.kind === 'ConfigMap' && meta.name === 'kube-root-ca.crt') return true;
  if (obj.kind === 'Secret' && SKIPPED_SECRET_TYPES.has(String(obj.type ?? ''))) return true;
  if (apiserverDefault(obj, policy)) return true;
  // A controller re-creates its pods under new names: comparing them by name would only show noise.
  if (obj.kind === 'Pod' && meta.ownerReferences?.some((ref) => ref.controller)) return true;
  return false;
}

/** kdrill's bookkeeping (src/engine/markers.ts): its namespace, and marker ConfigMaps there holding one timestamp. */
const MARKER_NAMESPACE = 'kdrill-system';
// The apiserver adds kubernetes.io/metadata.name to every Namespace.
const MARKER_LABELS = new Set(['kdrill.dev/internal', 'kdrill.dev/run-id', 'kdrill.dev/marker', 'kubernetes.io/metadata.name']);

/**
 * Whether `obj` is one of kdrill's RPO markers (or their namespace), by what it holds: a label alone would let anyone
 * hide any object, so only an object that can carry nothing else qualifies (a ConfigMap with just `writtenAt`).
 */
export function isKdrillMarker(obj: KubeObject): boolean {
  const meta = obj.metadata ?? { name: '' };
  if (meta.labels?.['kdrill.dev/internal'] !== 'true') return false;
  if (!Object.keys(meta.labels).every((l) => MARKER_LABELS.has(l)) || Object.keys(meta.annotations ?? {}).length) return false;
  if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') return meta.name === MARKER_NAMESPACE;
  if (obj.kind !== 'ConfigMap' || obj.apiVersion !== 'v1' || meta.namespace !== MARKER_NAMESPACE || obj.binaryData) return false;
  const data = (obj.data ?? {}) as Record<string, unknown>;
  return Object.keys(data).join() === 'writtenAt' && typeof data.writtenAt === 'string' && !Number.isNaN(Date.parse(data.writtenAt)) && data.writtenAt.length <= 30;
}

/** kubectl-style kind matching: `Deployment`, `deployments`, `deployments.apps`, `deployment.apps` (case-insensitive). */
export function matchesKind(resource: Pick<ApiResource, 'group' | 'name' | 'kind'>, pattern: string): boolean {
  const p = pattern.toLowerCase();
  const kind = resource.kind.toLowerCase();
  if (p === kind || p === resource.name) return true;
  return resource.group !== '' && (p === `${resource.name}.${resource.group}` || p === `${kind}.${resource.group}`);
}
