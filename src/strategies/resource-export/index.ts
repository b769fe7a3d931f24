import type { BackupStrategy } from '../../contracts/types.js';
import { runBackup, STRATEGY_ID } from './backup.js';
import { backupOptions, ResourceExportOptionsSchema, restoreOptions } from './options.js';
import { runRestore } from './restore.js';

/**
 * `resource-export`: every API object as raw JSON (Secrets sealed), restored by server-side apply in dependency tiers,
 * idempotent (unchanged objects get no write), resumable, with optional prune and dry run.
 */
export const resourceExport: BackupStrategy = {
  id: STRATEGY_ID,
  description: 'Export API objects as raw JSON (Secrets sealed); restore by ordered, idempotent server-side apply',
  optionsSchema: ResourceExportOptionsSchema,
  targets: ['same', 'fresh'],
  restoreDeletes(options) {
    const o = restoreOptions(options);
    return o.prune && !o.dryRun ? 'prune deletes live objects the backup does not have' : undefined;
  },
  backup: (ctx, options) => runBackup(ctx, backupOptions(options)),
  restore: (ctx, backup, options) => runRestore(ctx, backup, restoreOptions(options)),
};
