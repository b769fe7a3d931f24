import type { BackupStrategy } from '../contracts/types.js';
import { etcdSnapshotStrategy } from './etcd-snapshot/index.js';
import { resourceExport } from './resource-export/index.js';
import { commandStrategy } from './command.js';
import { veleroStrategy } from './velero/index.js';
import { etcdMemberReplaceStrategy } from './etcd-member-replace/index.js';

/** Every backup strategy by its scenario id. A new strategy = one file + one line here. */
export const STRATEGIES: Record<string, BackupStrategy> = {
  'etcd-snapshot': etcdSnapshotStrategy,
  'resource-export': resourceExport,
  command: commandStrategy,
  velero: veleroStrategy,
  'etcd-member-replace': etcdMemberReplaceStrategy,
};
