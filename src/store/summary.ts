import { manifestSize } from './manifest.js';
import type { BackupManifest, BackupSummary } from './types.js';

/** One `backups list` line from a manifest. */
export function summaryOf(manifest: BackupManifest): BackupSummary {
  return { id: manifest.id, strategy: manifest.strategy, createdAt: manifest.createdAt, cluster: manifest.cluster.name, sizeBytes: manifestSize(manifest) };
}

/** A listed backup whose manifest cannot be read: shown, not hidden, so `backups verify` can explain it. */
export function unreadable(id: string): BackupSummary {
  return { id, strategy: 'unreadable', createdAt: '', cluster: '', sizeBytes: 0 };
}
