import type { KubeObject } from '../../kube/types.js';
import { inCidrs } from './service-ips.js';

/** Metadata the apiserver assigns: sending it back is rejected (managedFields), stale (resourceVersion) or ignored. */
const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'selfLink',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

const JOB_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];
const TOKEN_DATA = ['token', 'ca.crt', 'namespace'];
const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** What the resource type of an object tells sanitizing. */
export interface ResourceFacts {
  group: string;
  /** Plural resource name. */
  resource: string;
  custom: boolean;
  statusSubresource: boolean;
}

/** Restore options that change the apply body. */
export interface SanitizeOptions {
  keepNodePorts: boolean;
  namespaceMap: Record<string, string>;
  /** The target's Service IP ranges: a backed-up clusterIP inside them is kept (kube-dns at .10), others dropped. */
  serviceCidrs?: readonly string[];
}

/** The apply body of an object, and the status to send through /status afterwards (custom resources only). */
export interface Sanitized {
  desired: KubeObject;
  status: unknown;
  /** A Service's backed-up clusterIP that the body leaves out (outside the target's ranges, or ranges unknown). */
  droppedClusterIp?: string;
}

/** Turns a backed-up object into the body server-side apply accepts in any cluster. Never mutates `obj`. */
export function sanitize(obj: KubeObject, facts: ResourceFacts, options: SanitizeOptions): Sanitized {
  const out = structuredClone(obj);
  for (const field of SERVER_METADATA) delete out.metadata[field];
  // Built-in workloads' status is rebuilt by their controllers; a CRD's status is reset by the server.
  const status = facts.custom && facts.statusSubresource && out.status !== undefined ? out.status : undefined;
  delete out.status;
  mapNamespaces(out, facts, options.namespaceMap);
  KIND_RULES[`${facts.group}/${facts.resource}`]?.(out, options);
  const droppedClusterIp = facts.group === '' && facts.resource === 'services' ? droppedIp(obj, out) : undefined;
  return { desired: out, status, ...(droppedClusterIp ? { droppedClusterIp } : {}) };
}

function droppedIp(before: KubeObject, after: KubeObject): string | undefined {
  const ip = (before.spec as { clusterIP?: string } | undefined)?.clusterIP;
  return ip && ip !== 'None' && (after.spec as { clusterIP?: string } | undefined)?.clusterIP === undefined ? ip : undefined;
}

type Rule = (obj: KubeObject, options: SanitizeOptions) => void;

const KIND_RULES: Record<string, Rule> = {
  '/services': (o, options) => {
    const spec = o.spec as Record<string, unknown> | undefined;
    if (!spec) return;
    // Clients may reach a Service by its IP (kube-dns at .10): keep it where the target can allocate it.
    const ips = (spec.clusterIPs as string[] | undefined) ?? (typeof spec.clusterIP === 'string' ? [spec.clusterIP] : []);
    const keep = spec.clusterIP === 'None' || (typeof spec.clusterIP === 'string' && inCidrs(spec.clusterIP, options.serviceCidrs ?? []));
    if (!keep) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    } else if (spec.clusterIP !== 'None') {
      spec.clusterIPs = ips.filter((ip) => inCidrs(ip, options.serviceCidrs ?? []));
    }
    if (options.keepNodePorts) return;
    delete spec.healthCheckNodePort;
    for (const port of (spec.ports as Record<string, unknown>[] | undefined) ?? []) delete port.nodePort;
  },
  '/pods': (o) => {
    const spec = o.spec as Record<string, unknown> | undefined;
    delete spec?.nodeName;
    // Ephemeral containers can only be added through their subresource, never on create.
    delete spec?.ephemeralContainers;
  },
  'batch/jobs': (o) => {
    const spec = o.spec as { selector?: { matchLabels?: Record<string, string> }; template?: { metadata?: { labels?: Record<string, string> } } };
    removeKeys(o.metadata.labels, JOB_UID_LABELS);
    removeKeys(spec?.selector?.matchLabels, JOB_UID_LABELS);
    removeKeys(spec?.template?.metadata?.labels, JOB_UID_LABELS);
    // The server generates the selector (with the new uid) unless manualSelector is set.
    if (spec?.selector && !(spec as { manualSelector?: boolean }).manualSelector) delete spec.selector;
  },
  '/secrets': (o) => {
    if (o.type !== 'kubernetes.io/service-account-token') return;
    removeKeys(o.data as Record<string, string> | undefined, TOKEN_DATA);
    removeKeys(o.metadata.annotations, [SA_UID_ANNOTATION]);
  },
  'rbac.authorization.k8s.io/clusterroles': (o) => {
    // The aggregation controller computes rules from the aggregationRule. Leaving `rules` out of the apply keeps
    // kdrill from owning (and, with force, wiping) the rules the controller filled in.
    if (o.aggregationRule) delete o.rules;
  },
  '/persistentvolumes': (o) => {
    const claimRef = (o.spec as { claimRef?: Record<string, unknown> } | undefined)?.claimRef;
    delete claimRef?.uid;
    delete claimRef?.resourceVersion;
  },
  'apps/deployments': (o) => removeKeys(o.metadata.annotations, ['deployment.kubernetes.io/revision']),
};

/** The name and namespace an object gets in the target (namespace mapping renames Namespaces and moves objects). */
export function targetName(o: KubeObject, facts: Pick<ResourceFacts, 'group' | 'resource'>, map: Record<string, string>): { name: string; namespace?: string } {
  const isNamespace = facts.group === '' && facts.resource === 'namespaces';
  const name = isNamespace ? mappedNamespace(o.metadata.name, map)! : o.metadata.name;
  const namespace = o.metadata.namespace ? mappedNamespace(o.metadata.namespace, map) : undefined;
  return { name, ...(namespace ? { namespace } : {}) };
}

function mappedNamespace(ns: string | undefined, map: Record<string, string>): string | undefined {
  return ns !== undefined && map[ns] !== undefined ? map[ns] : ns;
}

function mapNamespaces(o: KubeObject, facts: ResourceFacts, map: Record<string, string>): void {
  const mapped = (ns: string | undefined) => mappedNamespace(ns, map);
  const target = targetName(o, facts, map);
  if (o.metadata.namespace) o.metadata.namespace = target.namespace;
  if (facts.group === '' && facts.resource === 'namespaces') {
    o.metadata.name = target.name;
    if (o.metadata.labels?.[NAMESPACE_NAME_LABEL]) o.metadata.labels[NAMESPACE_NAME_LABEL] = o.metadata.name;
  }
  // Only RoleBindings: a ClusterRoleBinding is shared, remapping it would take access away from the original namespace.
  if (facts.group === 'rbac.authorization.k8s.io' && facts.resource === 'rolebindings') {
    for (const subject of (o.subjects as { namespace?: string }[] | undefined) ?? []) {
      if (subject.namespace) subject.namespace = mapped(subject.namespace);
    }
  }
}

function removeKeys(map: Record<string, unknown> | undefined, keys: readonly string[]): void {
  if (!map) return;
  for (const key of keys) delete map[key];
}
