import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { LocalKeyProvider, assertKeyOutsideStore } from '../../crypto/local-kms.js';
import type { KeyProvider } from '../../crypto/types.js';
import { createLocalStore } from '../../store/local-store.js';
import type { RewrappableStore } from '../../store/rewrap.js';
import type { AuditLog } from '../../audit/audit-log.js';

/** For commands that only read manifests: any attempt to use a key is a bug, reported as E_KEY. */
export const noKeys: KeyProvider = {
  id: 'none',
  describe: () => 'no key (manifest only)',
  wrap: async () => {
    throw new KdrillError('E_KEY', 'this command does not use a key', { hint: 'pass --key-file' });
  },
  unwrap: async () => {
    throw new KdrillError('E_KEY', 'this command does not use a key', { hint: 'pass --key-file' });
  },
};

/** Opens a local store directory for a CLI command; a LocalKeyProvider inside it is refused (E_KEY). */
export function openLocalStoreArg(dir: string, keys: KeyProvider, audit?: AuditLog): RewrappableStore {
  return createLocalStore({ root: dir, keys, ...(audit ? { audit } : {}) });
}

/** Reads a key file for a command (missing/corrupt → E_KEY, exit 2), refusing one inside the store. */
export async function keyFileArg(path: string, storeDir: string, logger: Logger): Promise<LocalKeyProvider> {
  assertKeyOutsideStore(path, storeDir);
  return LocalKeyProvider.fromFile(path, { logger });
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
