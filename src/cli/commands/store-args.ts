import { resolve } from 'node:path';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { LocalKeyProvider, assertKeyOutsideStore } from '../../crypto/local-kms.js';
import type { KeyProvider, WrappedKey } from '../../crypto/types.js';
import { createLocalStore } from '../../store/local-store.js';
import type { RewrappableStore } from '../../store/rewrap.js';

/** A key provider that reads its key file only when a data key is first unwrapped (plain backups need no key). */
export function lazyKeyFile(path: string, logger: Logger): KeyProvider {
  let loaded: Promise<LocalKeyProvider> | undefined;
  const load = () => (loaded ??= LocalKeyProvider.fromFile(path, { logger }));
  return {
    id: 'local',
    describe: () => `local key file ${resolve(path)}`,
    wrap: async (dataKey: Buffer) => (await load()).wrap(dataKey),
    unwrap: async (wrapped: WrappedKey) => (await load()).unwrap(wrapped),
  };
}

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

/** Opens a local store directory for a CLI command, refusing a key file kept inside it. */
export function openLocalStoreArg(dir: string, keys: KeyProvider, keyFile?: string): RewrappableStore {
  if (keyFile) assertKeyOutsideStore(keyFile, dir);
  return createLocalStore({ root: dir, keys });
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
