import { KdrillError } from '../core/errors.js';
import type { KeyProvider, WrappedKey } from '../crypto/types.js';
import { assertRootMac, sealManifest } from './manifest.js';
import type { BackupManifest, BackupStore } from './types.js';

/** A store that can replace a committed manifest (same artifacts), for re-wrapping its data key. */
export interface RewrappableStore extends BackupStore {
  /** The stored manifest, shape- and rootHash-checked but NOT authenticated: callers check the MAC themselves. */
  readManifest(id: string): Promise<BackupManifest>;
  /** Replaces a committed manifest; refused (E_STORE) where a reader would refuse the result (S3 under Object Lock). */
  replaceManifest(id: string, manifest: BackupManifest): Promise<void>;
}

/** What a rewrap did; key identities only, never material. */
export interface RewrapResult {
  id: string;
  status: 'rewrapped';
  from: string;
  to: string;
}

/**
 * Re-wraps a backup's data key from one KEK to another (after a rotation, or to move to another KMS). Only the manifest
 * changes: the artifacts stay sealed with the same data key. The old manifest's MAC is checked first, and the new one
 * (which covers the new wrapped key and its key id) is computed with the data key.
 */
export async function rewrapBackup(store: RewrappableStore, id: string, from: KeyProvider, to: KeyProvider): Promise<RewrapResult> {
  const manifest = await store.readManifest(id);
  const context = { backupId: id };
  const dataKey = await from.unwrap(manifest.dataKey, context);
  try {
    assertRootMac(dataKey, manifest);
    const wrapped = await to.wrap(dataKey, context);
    // Prove the new wrapping opens before the old one is replaced.
    const back = await to.unwrap(wrapped, context);
    const same = back.equals(dataKey);
    back.fill(0);
    if (!same) throw new KdrillError('E_KEY', `re-wrapping backup ${id} with ${to.describe()} did not round-trip`, { hint: 'the target KMS returned a different key; nothing was changed' });
    const { rootHash: _hash, rootMac: _mac, ...body } = manifest;
    await store.replaceManifest(id, sealManifest({ ...body, dataKey: wrapped }, dataKey));
    return { id, status: 'rewrapped', from: label(manifest.dataKey), to: label(wrapped) };
  } finally {
    dataKey.fill(0);
  }
}

function label(key: WrappedKey): string {
  return `${key.provider}:${key.keyId}${key.keyVersion ? `@v${key.keyVersion}` : ''}`;
}
