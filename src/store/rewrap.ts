import { KdrillError } from '../core/errors.js';
import type { KeyProvider, WrappedKey } from '../crypto/types.js';
import type { BackupManifest, BackupStore } from './types.js';

/** A store that can replace a committed manifest's wrapped data key (and so its rootHash), leaving artifacts untouched. */
export interface RewrappableStore extends BackupStore {
  replaceDataKey(id: string, dataKey: WrappedKey): Promise<BackupManifest>;
}

/** What a rewrap did; key identities only, never material. */
export interface RewrapResult {
  id: string;
  status: 'rewrapped' | 'no-data-key';
  from?: string;
  to?: string;
}

/**
 * Re-wraps a backup's data key from one KEK to another (after a rotation, or to move to another KMS). Only the manifest
 * changes: the artifacts stay sealed with the same data key.
 */
export async function rewrapBackup(store: RewrappableStore, id: string, from: KeyProvider, to: KeyProvider): Promise<RewrapResult> {
  const { manifest } = await store.open(id);
  if (!manifest.dataKey) return { id, status: 'no-data-key' };
  const dataKey = await from.unwrap(manifest.dataKey);
  try {
    const wrapped = await to.wrap(dataKey);
    // Prove the new wrapping opens before the old one is replaced.
    const back = await to.unwrap(wrapped);
    if (!back.equals(dataKey)) {
      throw new KdrillError('E_KEY', `re-wrapping backup ${id} with ${to.describe()} did not round-trip`, { hint: 'the target KMS returned a different key; nothing was changed' });
    }
    back.fill(0);
    await store.replaceDataKey(id, wrapped);
    return { id, status: 'rewrapped', from: label(manifest.dataKey), to: label(wrapped) };
  } finally {
    dataKey.fill(0);
  }
}

function label(key: WrappedKey): string {
  return `${key.provider}:${key.keyId}${key.keyVersion ? `@v${key.keyVersion}` : ''}`;
}
