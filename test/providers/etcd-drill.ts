import { KubeClient } from '../../src/kube/client.js';
import { isNotFound } from '../../src/kube/errors.js';
import type { Cluster } from '../../src/providers/types.js';

const CM = '/api/v1/namespaces/default/configmaps';

/** Write a marker ConfigMap with `value` (create or replace). */
export async function writeMarker(client: KubeClient, name: string, value: string): Promise<void> {
  const existing = await client.getOptional<{ metadata: { resourceVersion?: string } }>(`${CM}/${name}`);
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { 'kdrill.dev/test': 'etcd-drill' } }, data: { value } };
  if (existing) await client.replace(`${CM}/${name}`, { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion } });
  else await client.create(CM, body);
}

/** The marker's value, or undefined when it does not exist. */
export async function readMarker(client: KubeClient, name: string): Promise<string | undefined> {
  try {
    return (await client.get<{ data?: { value?: string } }>(`${CM}/${name}`)).data?.value;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * The drill every etcd-capable provider must pass: snapshot, change the cluster, restore, and see the snapshot's
 * state again (a changed object reverted, an object created after the snapshot gone). Returns the snapshot size.
 */
export async function snapshotRestoreRoundTrip(cluster: Cluster, snapshotPath: string): Promise<{ sizeBytes: number; afterRestore: string | undefined; lateObject: string | undefined }> {
  if (!cluster.takeEtcdSnapshot || !cluster.restoreEtcdSnapshot) throw new Error(`${cluster.provider} has no etcd snapshot methods`);
  let client = KubeClient.fromFile(cluster.kubeconfigPath);
  try {
    await writeMarker(client, 'kdrill-marker', 'before');
    const snapshot = await cluster.takeEtcdSnapshot(snapshotPath);
    await writeMarker(client, 'kdrill-marker', 'after');
    await writeMarker(client, 'kdrill-late', 'created after the snapshot');
    client.close();
    await cluster.restoreEtcdSnapshot(snapshotPath, cluster.secretsMaterial);
    client = KubeClient.fromFile(cluster.kubeconfigPath);
    const afterRestore = await readMarker(client, 'kdrill-marker');
    const lateObject = await readMarker(client, 'kdrill-late');
    return { sizeBytes: snapshot.sizeBytes, afterRestore, lateObject };
  } finally {
    client.close();
  }
}
