import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { KdrillError } from '../core/errors.js';
import { open, seal } from './envelope.js';
import { keyMaterials, readKeyFile } from './key-file.js';
import type { KeyProvider, WrapContext, WrappedKey } from './types.js';

export { createKeyFile, rotateKeyFile, type KeyFileInfo } from './key-file.js';

/** A KEK held in a local key file: wraps with the primary version, unwraps with whichever version the backup names. */
export class LocalKeyProvider implements KeyProvider {
  readonly id = 'local';

  private constructor(
    /** The key file this provider was read from (absolute). */
    readonly path: string,
    readonly keyId: string,
    readonly primaryVersion: number,
    private readonly materials: Map<number, Buffer>,
  ) {}

  /** Reads a key file; missing, corrupt, or readable by group/others → E_KEY. */
  static async fromFile(path: string, _options: { logger?: unknown } = {}): Promise<LocalKeyProvider> {
    const absolute = resolve(path);
    const { file } = await readKeyFile(absolute);
    return new LocalKeyProvider(absolute, file.keyId, file.primaryVersion, keyMaterials(file));
  }

  describe(): string {
    return `local key file ${this.path} (key ${this.keyId}, version ${this.primaryVersion})`;
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    const version = this.primaryVersion;
    const sealed = seal(this.materials.get(version)!, dataKey, wrapAad(this.keyId, version, context));
    return { provider: this.id, keyId: this.keyId, keyVersion: String(version), ciphertext: sealed.toString('base64') };
  }

  /** Throws E_KEY unless this key file holds the key and version that wrapped `wrapped` (no decryption). */
  assertCanUnwrap(wrapped: WrappedKey): void {
    this.materialFor(wrapped);
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    const material = this.materialFor(wrapped);
    const version = Number(wrapped.keyVersion);
    try {
      return open(material, Buffer.from(wrapped.ciphertext, 'base64'), wrapAad(this.keyId, version, context));
    } catch (error) {
      throw new KdrillError('E_KEY', `cannot unwrap the data key of backup ${context.backupId} with key ${this.keyId} version ${version}: the wrapped key is damaged, belongs to another backup, or the key file was altered`, {
        hint: 'compare the key file with your key backup; a wrapped key copied from another backup is refused too',
        cause: error,
      });
    }
  }

  private materialFor(wrapped: WrappedKey): Buffer {
    if (wrapped.provider !== this.id) {
      throw new KdrillError('E_KEY_MISMATCH', `the data key was wrapped by KMS provider "${wrapped.provider}" (key ${wrapped.keyId}), not by a local key file`, {
        hint: `configure the ${wrapped.provider} provider that made the backup`,
      });
    }
    if (wrapped.keyId !== this.keyId) {
      throw new KdrillError('E_KEY_MISMATCH', `the backup was sealed with key ${wrapped.keyId}, but key file ${this.path} holds key ${this.keyId}`, {
        hint: `use the key file whose keyId is ${wrapped.keyId}`,
      });
    }
    const material = this.materials.get(Number(wrapped.keyVersion));
    if (!material) {
      throw keyError(`key file ${this.path} has no version ${wrapped.keyVersion} of key ${this.keyId} (has ${[...this.materials.keys()].join(', ')})`,
        'use the newest copy of the key file: rotation keeps every version');
    }
    return material;
  }
}

/** The key file used when none is named: $KDRILL_KEY_FILE, else ~/.config/kdrill/key.json. */
export function defaultKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.KDRILL_KEY_FILE || join(homedir(), '.config', 'kdrill', 'key.json'));
}

/** Throws E_KEY when `keyPath` lies inside `storeRoot`: a key stored beside the backups protects nothing. */
export function assertKeyOutsideStore(keyPath: string, storeRoot: string): void {
  const key = canonical(keyPath);
  const root = canonical(storeRoot);
  const rel = relative(root, key);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new KdrillError('E_KEY', `key file ${keyPath} is inside the backup store ${storeRoot}`, {
      hint: 'anyone who can read the backups would also hold the key: move the key file outside the store (e.g. ~/.config/kdrill/key.json)',
    });
  }
}

/** The data key is bound to the key version and to its backup: a wrapped key copied into another manifest fails. */
function wrapAad(keyId: string, version: number, context: WrapContext): string {
  return `kdrill-kek/${keyId}/v${version}/${context.backupId}`;
}

function keyError(message: string, hint: string): KdrillError {
  return new KdrillError('E_KEY', message, { hint });
}

/** Resolves symlinks on the longest existing prefix, so a symlinked store root cannot hide a key inside it. */
function canonical(path: string): string {
  const absolute = resolve(path);
  let head = absolute;
  while (true) {
    try {
      return resolve(realpathSync(head), relative(head, absolute));
    } catch {
      const parent = dirname(head);
      if (parent === head) return absolute;
      head = parent;
    }
  }
}
