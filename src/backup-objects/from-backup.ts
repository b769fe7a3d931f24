import { KdrillError } from '../core/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { BackupStore } from '../store/types.js';
import { STRATEGY_ID } from '../strategies/resource-export/backup.js';
import { readBackup } from '../strategies/resource-export/read-backup.js';
import type { BackupObjects } from './view-client.js';

/**
 * Every object of a resource-export backup (hash-checked and decrypted by the store, held in memory only), as a
 * baseline source. Other strategies' backups hold no API objects kdrill can read yet: refused with a hint.
 */
export async function readBackupObjects(store: BackupStore, id: string, audit: AuditLog): Promise<BackupObjects> {
  const reader = await store.open(id);
  try {
    const { manifest } = reader;
    if (manifest.strategy !== STRATEGY_ID) {
      throw new KdrillError('E_BACKUP_UNSUPPORTED', `spec.baseline: backup reads API objects out of the backup, and backup ${id} is a ${manifest.strategy} backup`, {
        hint: `use spec.baseline: source (the source cluster is read before the restore), or drill a ${STRATEGY_ID} backup`,
      });
    }
    const { index, resources } = await readBackup(reader, audit);
    return {
      id,
      serverVersion: index.serverVersion,
      preferredVersions: index.preferredVersions,
      resources: resources.map(({ entry, items }) => ({
        group: entry.group,
        version: entry.version,
        resource: entry.resource,
        kind: entry.kind,
        namespaced: entry.namespaced,
        statusSubresource: entry.statusSubresource,
        items,
      })),
    };
  } finally {
    reader.close();
  }
}
