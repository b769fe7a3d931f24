import { chmod, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { etcdctl, restorePlan, type RestoreSite, type StaticPod } from './commands.js';
import { withDataHostPath, type EtcdManifest } from './etcd-manifest.js';
import type { KindNode } from './node.js';

/** Everything that reads etcd through the apiserver: stopped for a restore, started again after it. */
const API_PODS: readonly StaticPod[] = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
const NODE_ETCDUTL = '/usr/local/bin/kdrill-etcdutl';

/** `etcdctl snapshot save` inside the etcd container onto its data volume, then `docker cp` it out and delete it. */
export async function saveEtcdSnapshot(node: KindNode, destPath: string): Promise<{ path: string; sizeBytes: number }> {
  const { manifest } = await node.readEtcdManifest();
  const name = `kdrill-snapshot-${Date.now()}.db`;
  const inContainer = `${manifest.dataMountPath}/${name}`;
  const onNode = `${manifest.dataHostPath}/${name}`;
  try {
    await node.execIn('etcd', etcdctl(manifest, ['snapshot', 'save', inContainer]));
    await node.copyOut(onNode, destPath);
  } finally {
    await node.exec(['rm', '-f', onNode]).catch(() => undefined);
  }
  await chmod(destPath, 0o600);
  return { path: destPath, sizeBytes: (await stat(destPath)).size };
}

export interface RestoreOptions {
  /** A linux etcdutl for the node, used when the etcd image ships none. */
  etcdutlPath?: string;
  logger: Logger;
  /** Extra files to install while the apiserver is down (service-account keys), as [host path, node path]. */
  install?: [string, string][];
}

/**
 * Restore etcd from a snapshot the kubeadm way: stop the apiserver, controller-manager and scheduler (move their
 * manifests out), `etcdutl snapshot restore` into a new directory, point the etcd manifest's data hostPath at it, wait
 * for the new etcd to be healthy, then move the manifests back.
 */
export async function restoreEtcdSnapshot(node: KindNode, snapshotPath: string, options: RestoreOptions): Promise<void> {
  await node.moveManifest('etcd', 'running');
  const oldEtcd = await node.waitContainer('etcd', true, 180_000);
  const { text, manifest } = await node.readEtcdManifest();
  const site = await chooseSite(node, options.etcdutlPath);
  const plan = restorePlan(manifest, String(Date.now()), site, NODE_ETCDUTL);
  options.logger.info('kind: restoring etcd', { node: node.container, snapshot: snapshotPath, dataDir: plan.newHostPath, etcdutl: site });
  for (const pod of API_PODS) await node.moveManifest(pod, 'stopped');
  await node.waitContainer('kube-apiserver', false, 120_000);
  try {
    await node.copyIn(resolve(snapshotPath), plan.snapshotNodePath);
    await runRestore(node, site, plan.restore);
    if (plan.restoredNodePath !== plan.newHostPath) await node.exec(['mv', plan.restoredNodePath, plan.newHostPath]);
    for (const [from, to] of options.install ?? []) await node.copyIn(from, to);
    await node.writeEtcdManifest(withDataHostPath(text, manifest, plan.newHostPath));
    const newEtcd = await node.waitContainer('etcd', true, 180_000, oldEtcd);
    await waitEtcdHealthy(node, newEtcd ?? '', manifest);
    // kdrill's previous restore directory is dead weight now; kubeadm's original /var/lib/etcd is kept.
    if (/^\/var\/lib\/etcd-kdrill-\d+$/.test(manifest.dataHostPath)) await node.exec(['rm', '-rf', manifest.dataHostPath]);
  } finally {
    await node.exec(['rm', '-f', plan.snapshotNodePath]).catch(() => undefined);
    for (const pod of API_PODS) await node.moveManifest(pod, 'running');
  }
}

async function chooseSite(node: KindNode, etcdutlPath: string | undefined): Promise<RestoreSite> {
  const [etcdId] = await node.containerIds('etcd');
  if (etcdId && (await node.tryExec(['crictl', 'exec', etcdId, 'etcdutl', 'version']))) return 'etcd-container';
  if (etcdutlPath) {
    await node.copyIn(resolve(etcdutlPath), NODE_ETCDUTL);
    await node.exec(['chmod', '0755', NODE_ETCDUTL]);
    if (await node.tryExec([NODE_ETCDUTL, 'version'])) return 'node';
    throw new KdrillError('E_BINARY_MISSING', `${etcdutlPath} does not run inside the kind node (wrong OS or architecture?)`, {
      hint: 'set cluster.options.etcdutlPath to a linux etcdutl built for the node architecture (etcd >= 3.5)',
    });
  }
  throw new KdrillError('E_BINARY_MISSING', `the etcd image of ${node.container} ships no etcdutl, which the restore needs`, {
    hint: 'set cluster.options.etcdutlPath to a linux etcdutl (etcd >= 3.5), e.g. from an etcd release tarball',
  });
}

async function runRestore(node: KindNode, site: RestoreSite, argv: string[]): Promise<void> {
  try {
    if (site === 'etcd-container') await node.execIn('etcd', argv);
    else await node.exec(argv, { timeoutMs: 600_000 });
  } catch (error) {
    throw new KdrillError('E_BACKUP_CORRUPT', `etcdutl snapshot restore failed: ${(error as Error).message}`, {
      hint: 'the snapshot is damaged or not an etcd snapshot: verify the backup (kdrill backups verify); the cluster keeps its old data',
      cause: error,
    });
  }
}

/** Poll `etcdctl endpoint health` inside etcd container `id` for up to two minutes. */
export async function waitEtcdHealthy(node: KindNode, id: string, manifest: EtcdManifest): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (await node.tryExec(['crictl', 'exec', id, ...etcdctl(manifest, ['endpoint', 'health'])])) return;
    await sleep(2_000);
  }
  throw new KdrillError('E_TIMEOUT', `the restored etcd on ${node.container} did not report healthy within 120s`, {
    hint: `docker exec ${node.container} crictl logs ${id.slice(0, 13)}`,
  });
}
