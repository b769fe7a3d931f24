import type { BackupStrategy } from '../../contracts/types.js';
import type { Cluster } from '../../providers/types.js';
import { runBackup } from './backup.js';
import { STRATEGY_ID } from './layout.js';
import { EtcdSnapshotOptionsSchema, parseOptions } from './options.js';
import { runRestore } from './restore.js';
import { importSnapshotFile } from './import-file.js';

/** Backs up etcd as one snapshot (sealed) plus the secrets material a restore needs; restores by replacing etcd's data. */
export const etcdSnapshotStrategy: BackupStrategy = {
  id: STRATEGY_ID,
  description: 'etcd snapshot (sealed) plus encryption config, service-account keys and CA (sealed); restore replaces etcd data',
  optionsSchema: EtcdSnapshotOptionsSchema,
  targets: ['same', 'fresh'],
  unsupportedReason(cluster: Cluster) {
    if (cluster.takeEtcdSnapshot || cluster.etcd) return undefined;
    return `cluster ${cluster.name} (provider ${cluster.provider}) gives no etcd access: no snapshot method and no etcd endpoints`;
  },
  restoreDeletes: () => "it replaces all of etcd's data: everything written since the snapshot is lost",
  backup: (ctx, options) => runBackup(ctx, parseOptions(options)),
  restore: (ctx, backup, options) => runRestore(ctx, backup, parseOptions(options)),
  importFile: (ctx, file, material) => importSnapshotFile(ctx, file, material),
};
