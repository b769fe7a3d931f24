import { KdrillError } from '../core/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { KubeObject } from '../kube/types.js';
import type { BackupManifest, BackupStore } from '../store/types.js';
import { STRATEGY_ID } from '../strategies/resource-export/backup.js';
import type { BackupIndex, IndexedResource } from '../strategies/resource-export/layout.js';
import { readBackup } from '../strategies/resource-export/read-backup.js';
import { latestId } from '../store/latest.js';


/** A resource-export backup read whole: its manifest, index and every object, by resource type. */
export interface BackupContent {
  manifest: BackupManifest;
  index: BackupIndex;
  resources: { entry: IndexedResource; items: KubeObject[] }[];
}

/**
 * Pick a backup (`latest`: the newest one whose manifest opens) and read it. Drift compares API objects, so only a
 * resource-export backup will do: an etcd snapshot would have to be decoded first, and is refused with a hint.
 */
export async function readDriftBackup(store: BackupStore, which: string, audit: AuditLog): Promise<BackupContent> {
  const id = which === 'latest' ? await latestId(store) : which;
  const reader = await store.open(id);
  const { manifest } = reader;
  if (manifest.strategy !== STRATEGY_ID) {
    reader.close();
    throw new KdrillError('E_BACKUP_UNSUPPORTED', `backup ${id} is a ${manifest.strategy} backup: drift compares API objects and reads only ${STRATEGY_ID} backups`, {
      hint: manifest.strategy === 'etcd-snapshot'
        ? 'decoding objects out of an etcd snapshot is not supported yet: pass --backup with the id of a resource-export backup (kdrill backups list), or take one with kdrill backup --strategy resource-export'
        : 'pass --backup with the id of a resource-export backup (kdrill backups list)',
    });
  }
  try {
    return { manifest, ...(await readBackup(reader, audit)) };
  } finally {
    reader.close();
  }
}
