import { KdrillError } from '../core/errors.js';
import type { BackupStore } from './types.js';

/**
 * The newest complete backup whose manifest opens (hash and MAC checked by the store), whatever its strategy.
 * Partial backups (an interrupted `kdrill backup`) are never listed by `store.list()`, so they are never picked.
 */
export async function latestId(store: BackupStore): Promise<string> {
  const summaries = (await store.list()).filter((s) => s.strategy !== 'unreadable').sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (!summaries.length) {
    throw new KdrillError('E_BACKUP_NOT_FOUND', `no backup in store ${store.describe()}`, { hint: 'take one with kdrill backup, or pass the right --store' });
  }
  return summaries[0]!.id;
}
