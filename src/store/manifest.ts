import { canonicalJson } from '../core/canonical-json.js';
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { KdrillError } from '../core/errors.js';
import type { ArtifactEntry, BackupManifest } from './types.js';

/** The manifest's own file name inside a backup; no artifact may take it. */
export const MANIFEST_NAME = 'manifest.json';

/** A sortable backup id: UTC timestamp + 6 random hex digits, e.g. `20261125T120000Z-ab12cd`. */
export function newBackupId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The form `rootHash` is computed over. */
export { canonicalJson };

/** sha256 (hex) of the canonical JSON of the manifest without `rootHash`. */
export function computeRootHash(manifest: Omit<BackupManifest, 'rootHash'> & { rootHash?: string }): string {
  const { rootHash: _ignored, ...rest } = manifest;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/**
 * The manifest MAC (see BackupManifest.rootMac): HMAC-SHA256 over everything but rootHash and rootMac, the wrapped data
 * key and its key id/provider included, keyed by HKDF of the data key. A re-wrap holds the data key and recomputes it.
 */
export function computeRootMac(dataKey: Buffer, manifest: Omit<BackupManifest, 'rootHash' | 'rootMac'> & { rootHash?: string; rootMac?: string }): string {
  const { rootHash: _hash, rootMac: _mac, ...rest } = manifest;
  const macKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'kdrill manifest mac v2', 32));
  try {
    return createHmac('sha256', macKey).update(canonicalJson(rest)).digest('hex');
  } finally {
    macKey.fill(0);
  }
}

/** Throws E_BACKUP_CORRUPT unless the manifest carries a MAC made with this data key. */
export function assertRootMac(dataKey: Buffer, manifest: BackupManifest): void {
  const expected = Buffer.from(computeRootMac(dataKey, manifest), 'hex');
  const actual = Buffer.from(manifest.rootMac ?? '', 'hex');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new KdrillError('E_BACKUP_CORRUPT', `backup ${manifest.id}: the manifest's MAC does not match (it was changed by someone without the backup's key)`, {
      hint: `do not restore it: restore from another backup and find out who can write to the store (backups written by kdrill before the MAC covered the wrapped key are refused too: ${OLD_FORMAT})`,
    });
  }
}

/** Backups of kdrill versions before mandatory MACs cannot be upgraded in place: nobody has any worth keeping yet. */
const OLD_FORMAT = 'no compatibility is kept with unsigned or older manifests; take a new backup';

/** Adds `rootMac` (keyed by the data key) and then `rootHash` to a manifest body. */
export function sealManifest(body: Omit<BackupManifest, 'rootHash' | 'rootMac'>, dataKey: Buffer): BackupManifest {
  const withMac = { ...body, rootMac: computeRootMac(dataKey, body) };
  return { ...withMac, rootHash: computeRootHash(withMac) };
}

/** Parses a stored manifest, checking its shape, its id and its rootHash; any failure is E_BACKUP_CORRUPT naming `where`. */
export function parseManifest(text: string, expectedId: string, where: string): BackupManifest {
  let data: BackupManifest;
  try {
    data = JSON.parse(text) as BackupManifest;
  } catch {
    throw corrupt(where, 'it is not valid JSON');
  }
  if (data?.formatVersion !== 1) throw corrupt(where, `formatVersion is ${JSON.stringify(data?.formatVersion)}, expected 1`);
  if (data.id !== expectedId) throw corrupt(where, `it describes backup ${JSON.stringify(data.id)}, not ${expectedId}`);
  if (!Array.isArray(data.artifacts)) throw corrupt(where, 'it has no artifact list');
  // Without these two the MAC could not be checked: a manifest stripped of them is a downgrade, never "nothing sealed".
  if (!isWrappedKey(data.dataKey)) throw corrupt(where, `it has no valid dataKey (every backup carries its wrapped data key; ${OLD_FORMAT})`);
  if (typeof data.rootMac !== 'string' || !/^[0-9a-f]{64}$/.test(data.rootMac)) throw corrupt(where, `it has no valid rootMac (every backup carries a manifest MAC; ${OLD_FORMAT})`);
  for (const entry of data.artifacts) {
    if (!isEntry(entry)) throw corrupt(where, `artifact entry ${JSON.stringify(entry?.name)} is malformed`);
    assertArtifactName(entry.name, 'E_BACKUP_CORRUPT');
  }
  if (typeof data.rootHash !== 'string' || computeRootHash(data) !== data.rootHash) {
    throw corrupt(where, 'its rootHash does not match its content (the manifest was edited or damaged)');
  }
  return data;
}

/** Throws (E_STORE by default) unless `name` is a safe relative path: no `..`, no absolute path, not the manifest. */
export function assertArtifactName(name: string, code: 'E_STORE' | 'E_BACKUP_CORRUPT' = 'E_STORE'): void {
  const parts = name.split('/');
  const bad =
    name.length === 0 ||
    name.length > 512 ||
    name === MANIFEST_NAME ||
    name.includes('\\') ||
    name.includes('\0') ||
    parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith('.tmp-'));
  if (bad) {
    throw new KdrillError(code, `invalid artifact name ${JSON.stringify(name)}`, {
      hint: `use a relative path of plain segments (e.g. resources/v1/secrets.json); "${MANIFEST_NAME}" is reserved`,
    });
  }
}

/** Throws E_BACKUP_NOT_FOUND for ids that cannot be backup ids (and could escape the store root). */
export function assertBackupId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) {
    throw new KdrillError('E_BACKUP_NOT_FOUND', `${JSON.stringify(id)} is not a backup id`, {
      hint: 'backup ids look like 20261125T120000Z-ab12cd: run `kdrill backups list --store DIR`',
    });
  }
}

/** Total stored bytes of a manifest's artifacts. */
export function manifestSize(manifest: BackupManifest): number {
  return manifest.artifacts.reduce((sum, a) => sum + a.size, 0);
}

function isWrappedKey(key: BackupManifest['dataKey'] | undefined): boolean {
  return (
    typeof key?.provider === 'string' &&
    typeof key.keyId === 'string' &&
    key.keyId.length > 0 &&
    typeof key.ciphertext === 'string' &&
    key.ciphertext.length > 0 &&
    (key.keyVersion === undefined || typeof key.keyVersion === 'string')
  );
}

function isEntry(entry: ArtifactEntry): boolean {
  return (
    typeof entry?.name === 'string' &&
    Number.isSafeInteger(entry.size) &&
    entry.size >= 0 &&
    typeof entry.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(entry.sha256) &&
    typeof entry.sealed === 'boolean'
  );
}

function corrupt(where: string, why: string): KdrillError {
  return new KdrillError('E_BACKUP_CORRUPT', `manifest ${where} is corrupt: ${why}`, {
    hint: 'the backup cannot be trusted; restore from another backup or another copy of this one',
  });
}
