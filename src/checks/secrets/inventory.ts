import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../kube/types.js';
import { collectionPath } from '../../kube/paths.js';
import { podSpecOf } from './pod-spec.js';

/** What may reference a Secret, as [apiVersion, resource, kind]. */
const REFERRERS: readonly [string, string, string][] = [
  ['v1', 'pods', 'Pod'],
  ['apps/v1', 'deployments', 'Deployment'],
  ['apps/v1', 'statefulsets', 'StatefulSet'],
  ['apps/v1', 'daemonsets', 'DaemonSet'],
  ['apps/v1', 'replicasets', 'ReplicaSet'],
  ['batch/v1', 'jobs', 'Job'],
  ['batch/v1', 'cronjobs', 'CronJob'],
  ['v1', 'serviceaccounts', 'ServiceAccount'],
  ['networking.k8s.io/v1', 'ingresses', 'Ingress'],
];

/** The namespaces a check covers: the listed ones, or every namespace (undefined). */
export type Scope = readonly string[] | undefined;

/** List a resource in each namespace of the scope (or cluster-wide), setting kind and apiVersion, which list items lack. */
export async function listInScope(client: KubeClient, scope: Scope, type: readonly [string, string, string], labelSelector?: string): Promise<KubeObject[]> {
  const [apiVersion, resource, kind] = type;
  const paths = scope?.length ? scope.map((ns) => collectionPath(apiVersion, resource, ns)) : [collectionPath(apiVersion, resource)];
  const lists = await Promise.all(paths.map((p) => client.listAll(p, labelSelector ? { labelSelector } : {})));
  return lists.flatMap((l) => l.items.map((item) => ({ ...item, apiVersion, kind })));
}

/** Secrets of the scope (optionally filtered by label). */
export function listSecrets(client: KubeClient, scope: Scope, labelSelector?: string): Promise<KubeObject[]> {
  return listInScope(client, scope, ['v1', 'secrets', 'Secret'], labelSelector);
}

/** Every workload, ServiceAccount and Ingress of the scope. */
export async function listReferrers(client: KubeClient, scope: Scope): Promise<KubeObject[]> {
  const lists = await Promise.all(REFERRERS.map((type) => listInScope(client, scope, type)));
  return lists.flat();
}

/** Up to `max` ServiceAccounts (`ns/name`) to probe: the ones workloads run as first, then the rest, sorted. */
export function pickServiceAccounts(referrers: readonly KubeObject[], max: number): string[] {
  const all = referrers.filter((o) => o.kind === 'ServiceAccount').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  const used = new Set(
    referrers.map((o) => {
      const spec = podSpecOf(o);
      return spec ? `${o.metadata.namespace}/${spec.serviceAccountName || 'default'}` : '';
    }),
  );
  const rank = (id: string) => (used.has(id) ? 0 : 1);
  return [...all].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, max);
}
