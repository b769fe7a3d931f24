import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { KdrillError } from '../core/errors.js';
import { registerSensitive } from '../core/redact.js';
import { createFileExclusive, writeFileAtomic } from '../store/atomic-file.js';
import { DATA_KEY_BYTES } from './envelope.js';

/** One key-encryption key version; `material` is base64 of 32 random bytes. */
export interface KeyFileEntry {
  version: number;
  createdAt: string;
  material: string;
}

/** The local key file: every version ever created, so backups wrapped by an old version still unwrap. */
export interface KeyFile {
  kind: 'KdrillKeyFile';
  version: 1;
  /** Fingerprint of the first key: stays the same across rotations. */
  keyId: string;
  primaryVersion: number;
  keys: KeyFileEntry[];
}

/** What create/rotate report: identities only, never material. */
export interface KeyFileInfo {
  path: string;
  keyId: string;
  primaryVersion: number;
  versions: number[];
}

const createHint = (path: string) => `create one with \`kdrill keys create --out ${path}\` (keep it outside the backup store)`;

/** The stable id of a key: a domain-separated sha256 of its first key material (the hash reveals nothing usable). */
export function keyIdOf(material: Buffer): string {
  return 'kdk-' + createHash('sha256').update('kdrill-key-id\0').update(material).digest('hex').slice(0, 16);
}

/** Writes a new key file (mode 0600) with one version; refuses to replace an existing file. */
export async function createKeyFile(path: string, now: Date = new Date()): Promise<KeyFileInfo> {
  const material = randomBytes(DATA_KEY_BYTES);
  registerSensitive(material.toString('base64'));
  const file: KeyFile = {
    kind: 'KdrillKeyFile',
    version: 1,
    keyId: keyIdOf(material),
    primaryVersion: 1,
    keys: [{ version: 1, createdAt: now.toISOString(), material: material.toString('base64') }],
  };
  try {
    await createFileExclusive(path, JSON.stringify(file, null, 2) + '\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new KdrillError('E_KEY', `key file ${path} already exists; refusing to overwrite it`, {
        hint: `use \`kdrill keys rotate --key-file ${path}\` to add a new version, or choose another --out path`,
      });
    }
    throw new KdrillError('E_KEY', `cannot write key file ${path}: ${(error as Error).message}`, { hint: 'check the directory exists and is writable' });
  }
  return infoOf(path, file);
}

/** Adds a new primary version to a key file; older versions stay so existing backups still unwrap. */
export async function rotateKeyFile(path: string, now: Date = new Date()): Promise<KeyFileInfo> {
  const { file } = await readKeyFile(path);
  const next = Math.max(...file.keys.map((k) => k.version)) + 1;
  const material = randomBytes(DATA_KEY_BYTES).toString('base64');
  registerSensitive(material);
  file.keys.push({ version: next, createdAt: now.toISOString(), material });
  file.primaryVersion = next;
  await writeFileAtomic(path, JSON.stringify(file, null, 2) + '\n');
  return infoOf(path, file);
}

/** Reads and checks a key file; one readable by group or others is refused. Every failure is E_KEY naming the path. */
export async function readKeyFile(path: string): Promise<{ file: KeyFile }> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode & 0o777;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new KdrillError('E_KEY', `key file ${path} does not exist`, { hint: createHint(path) });
    throw new KdrillError('E_KEY', `cannot read key file ${path} (${code ?? 'error'})`, { hint: 'check the path and its permissions' });
  }
  if (mode & 0o077) {
    // Checked before parsing: a file others can read is a leaked key, and kdrill must not lend it trust.
    throw new KdrillError('E_KEY', `key file ${path} is accessible to group/others (mode ${mode.toString(8).padStart(4, '0')})`, {
      hint: `run \`chmod 600 ${path}\`, and rotate the key if someone else may have read it`,
    });
  }
  return { file: parseKeyFile(text, path) };
}

/** Decodes every version's material, keyed by version. */
export function keyMaterials(file: KeyFile): Map<number, Buffer> {
  return new Map(file.keys.map((k) => [k.version, Buffer.from(k.material, 'base64')]));
}

function parseKeyFile(text: string, path: string): KeyFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // No cause attached: JSON.parse messages quote the file's text, which holds key material.
    throw corrupt(path, 'it is not valid JSON');
  }
  const file = data as KeyFile;
  if (file?.kind !== 'KdrillKeyFile' || file.version !== 1) throw corrupt(path, 'it is not a KdrillKeyFile version 1');
  if (!Array.isArray(file.keys) || file.keys.length === 0) throw corrupt(path, 'it holds no keys');
  for (const entry of file.keys) {
    if (!Number.isInteger(entry?.version) || typeof entry.material !== 'string') throw corrupt(path, 'a key entry lacks version or material');
    registerSensitive(entry.material);
    if (Buffer.from(entry.material, 'base64').length !== DATA_KEY_BYTES) throw corrupt(path, `key version ${entry.version} is not 32 bytes`);
  }
  const versions = file.keys.map((k) => k.version);
  if (new Set(versions).size !== versions.length) throw corrupt(path, 'two entries share a version number');
  if (!versions.includes(file.primaryVersion)) throw corrupt(path, `primaryVersion ${file.primaryVersion} is not among versions ${versions.join(', ')}`);
  const first = file.keys.reduce((a, b) => (b.version < a.version ? b : a));
  if (file.keyId !== keyIdOf(Buffer.from(first.material, 'base64'))) throw corrupt(path, `keyId ${file.keyId} does not match its first key (the file was edited)`);
  return file;
}

function corrupt(path: string, why: string): KdrillError {
  return new KdrillError('E_KEY', `key file ${path} is unusable: ${why}`, {
    hint: 'restore the key file from your key backup; a new key cannot open existing backups',
  });
}

function infoOf(path: string, file: KeyFile): KeyFileInfo {
  return { path, keyId: file.keyId, primaryVersion: file.primaryVersion, versions: file.keys.map((k) => k.version) };
}
