import type { KubeClient } from '../../src/kube/client.js';
import type { Cluster } from '../../src/providers/types.js';
import type { Scenario } from '../../src/scenario/schema.js';

/** The cluster as a foreign one (createdByKdrill false), delegating everything else to the real cluster. */
export function foreignView(cluster: Cluster): Cluster {
  const view = Object.create(cluster) as Cluster;
  Object.defineProperty(view, 'createdByKdrill', { value: false });
  return view;
}

/** A minimal scenario whose cluster spec sets allowDestructive. */
export function scenarioAllowing(allowDestructive: boolean): Scenario {
  return {
    apiVersion: 'kdrill.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'chaos-test' },
    spec: { cluster: { provider: 'local', allowDestructive }, backup: { strategy: 'resource-export' }, checks: [{ check: 'state-diff' }] },
  };
}

/** Status of /readyz, 0 when the apiserver does not answer. */
export async function readyz(client: KubeClient): Promise<number> {
  return (await client.raw('/readyz', AbortSignal.timeout(3_000)).catch(() => ({ status: 0 }))).status;
}

/** Create objects from a list, in order. */
export async function createAll(client: KubeClient, items: [string, unknown][]): Promise<void> {
  for (const [path, body] of items) await client.create(path, body);
}

export const ns = (name: string, labels: Record<string, string> = {}) => ['/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }] as [string, unknown];
export const configMap = (namespace: string, name: string) =>
  [`/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } }] as [string, unknown];
export const secret = (namespace: string, name: string, labels: Record<string, string> = {}) =>
  [`/api/v1/namespaces/${namespace}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name, labels }, stringData: { password: `pw-${name}` } }] as [string, unknown];
