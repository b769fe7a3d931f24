import { Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { KdrillError, describeError } from '../core/errors.js';
import { createOpener } from '../crypto/envelope-stream.js';
import type { KeyProvider } from '../crypto/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import { writeStreamAtomic } from './atomic-file.js';
import { type ArtifactSource, chain, createVerifier } from './backend.js';
import type { ArtifactEntry, BackupManifest, BackupReader } from './types.js';
import { assertRootMac } from './manifest.js';
import { assertSealPolicy } from './seal-policy.js';

/**
 * Opens a backup for reading, shared by every store: refuses unsealed secret-bearing artifacts, unwraps the data key
 * with the configured KEK and checks the manifest MAC, all before the first read. Every read then checks size and
 * sha256 and decrypts sealed artifacts.
 */
export async function openBackupReader(
  manifest: BackupManifest,
  source: ArtifactSource,
  keys: KeyProvider,
  audit: AuditLog,
  extra: { manifestVersionId?: string } = {},
): Promise<BackupReader> {
  assertSealPolicy(manifest);
  let key: Buffer | undefined = await unwrapDataKey(manifest, keys, audit);
  const dataKey = (): Buffer => {
    if (!key) throw new KdrillError('E_STORE', `backup ${manifest.id} was closed`, { hint: 'open it again to read more' });
    return key;
  };
  const aad = (name: string) => `${manifest.id}/${name}`;
  const readVerified = async (entry: ArtifactEntry) => chain(await source.read(entry.name), createVerifier(entry, source.locate(entry.name)));
  const plainStream = async (entry: ArtifactEntry) => {
    const stream = await readVerified(entry);
    return entry.sealed ? chain(stream, createOpener(dataKey(), aad(entry.name))) : stream;
  };

  return {
    manifest,
    ...(extra.manifestVersionId ? { manifestVersionId: extra.manifestVersionId } : {}),
    async get(name) {
      const entry = findEntry(manifest, name);
      // Decrypted as it streams: the sealed bytes and the plaintext are never both held. A bad tag or hash rejects.
      const plain = await buffer(await plainStream(entry));
      await audit.record({ action: 'backup.read', subject: aad(name), details: { size: entry.size, sealed: entry.sealed } });
      return plain;
    },
    async getToFile(name, path) {
      const entry = findEntry(manifest, name);
      // Both the verifier and the opener fail in flush, before writeStreamAtomic renames the temp file into place.
      await writeStreamAtomic(path, await plainStream(entry));
      await audit.record({ action: 'backup.read', subject: aad(name), details: { size: entry.size, sealed: entry.sealed, to: path } });
    },
    async verify() {
      const problems: string[] = [];
      for (const entry of manifest.artifacts) {
        await plainStream(entry)
          .then(drain)
          .catch((error: unknown) => problems.push(`${entry.name}: ${describeError(error)}`));
      }
      for (const extra of await source.unlisted(manifest)) problems.push(`${extra}: file is not listed in the manifest`);
      await audit.record({ action: 'backup.verify', subject: manifest.id, details: { ok: problems.length === 0, problems: problems.length, artifacts: manifest.artifacts.length } });
      return { ok: problems.length === 0, problems };
    },
    close() {
      key?.fill(0);
      key = undefined;
    },
  };
}

function findEntry(manifest: BackupManifest, name: string): ArtifactEntry {
  const entry = manifest.artifacts.find((a) => a.name === name);
  if (!entry) {
    throw new KdrillError('E_BACKUP_NOT_FOUND', `backup ${manifest.id} has no artifact named ${name}`, {
      hint: `it has: ${manifest.artifacts.map((a) => a.name).slice(0, 10).join(', ') || '(none)'}`,
    });
  }
  return entry;
}

/** Unwraps with the configured KEK (pinned: another key id is refused) and checks the MAC; the key is zeroed on a bad MAC. */
async function unwrapDataKey(manifest: BackupManifest, keys: KeyProvider, audit: AuditLog): Promise<Buffer> {
  const { provider, keyId, keyVersion } = manifest.dataKey;
  const key = await keys.unwrap(manifest.dataKey, { backupId: manifest.id });
  await audit.record({ action: 'key.unwrap', subject: manifest.id, details: { provider, keyId, keyVersion } });
  try {
    assertRootMac(key, manifest);
  } catch (error) {
    key.fill(0);
    throw error;
  }
  return key;
}

/** Reads a stream to its end, keeping nothing; rejects with the first error of any stage. */
async function drain(stream: NodeJS.ReadableStream): Promise<void> {
  await pipeline(stream, new Writable({ write: (_chunk, _encoding, done) => done() }));
}
