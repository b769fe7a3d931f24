import { KdrillError } from '../core/errors.js';
import { BackupViewClient } from '../backup-objects/view-client.js';
import { readBackupObjects } from '../backup-objects/from-backup.js';
import { KubeClient } from '../kube/client.js';
import type { DrillContext } from '../contracts/types.js';
import type { EngineContext } from './context.js';
import { plugins } from './plugins.js';

/** A read-only view of what the backup holds, for the checks' baselines, and how to let go of it. */
export interface BackupBaselineSource {
  client: KubeClient;
  /** How the objects were read, for the phase summary and the report. */
  via: string;
  release(): Promise<void>;
}

/**
 * The backup's own objects, readable through the Kubernetes API:
 * - a resource-export backup: its raw objects, served by a read-only in-memory API (no cluster needed);
 * - an etcd snapshot: restored into a throw-away local sandbox whose kube-apiserver decodes what etcd stores
 *   (protobuf and JSON, Secrets decrypted with the backup's encryption config), with its controller-manager stopped
 *   so nothing rewrites the snapshot's objects. The apiserver is the decoder: it gives exactly the JSON the API serves,
 *   which a decoder of the .proto files alone cannot (Go's omitempty rules are not in them).
 */
export async function backupBaselineSource(ctx: EngineContext): Promise<BackupBaselineSource> {
  const backup = ctx.backup!;
  if (backup.strategy !== 'etcd-snapshot') {
    const client = new BackupViewClient(await readBackupObjects(ctx.store, backup.id, ctx.audit));
    return { client, via: `the objects in backup ${backup.id}`, release: async () => client.close() };
  }
  const local = plugins.provider('local');
  const why = await local.unavailableReason();
  if (why) throw new KdrillError('E_CLUSTER_START', `a baseline read out of an etcd snapshot needs a local sandbox cluster: ${why}`, { hint: 'run kdrill cluster build, or use spec.baseline: source' });
  const sandbox = await ctx.createFreshCluster('baseline', { provider: local, options: {} });
  const client = KubeClient.fromFile(sandbox.kubeconfigPath);
  try {
    const sandboxCtx: DrillContext = { ...ctx, cluster: sandbox, client };
    await plugins.strategy('etcd-snapshot').restore(sandboxCtx, backup, {});
    await sandbox.stopComponent('kube-controller-manager');
  } catch (error) {
    client.close();
    throw error;
  }
  return {
    client,
    via: `etcd snapshot ${backup.id}, decoded by a sandbox kube-apiserver (${sandbox.name})`,
    release: async () => client.close(),
  };
}
