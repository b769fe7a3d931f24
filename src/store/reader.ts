import { Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { KdrillError, describeError } from '../core/errors.js';
import { open } from '../crypto/envelope.js';
import { createOpener } from '../crypto/envelope-stream.js';
import type { KeyProvider } from '../crypto/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import { writeStreamAtomic } from './atomic-file.js';
import { type ArtifactSource, chain, createVerifier } from './backend.js';
import type { ArtifactEntry, BackupManifest, BackupReader } from './types.js';
import { assertRootMac } from './manifest.js';

/** A reader shared by every store: checks size and sha256 of every read, then decrypts sealed artifacts. */
export function createBackupReader(manifest: BackupManifest, source: ArtifactSource, keys: KeyProvider, audit: AuditLog): BackupReader {
  let dataKey: Promise<Buffer> | undefined;
  const unwrap = () => (dataKey ??= unwrapDataKey(manifest, keys, audit));
  const aad = (name: string) => `${manifest.id}/${name}`;

  const readVerified = async (entry: ArtifactEntry) => chain(await source.read(entry.name), createVerifier(entry, source.locate(entry.name)));

  const checkOne = async (entry: ArtifactEntry, key: Buffer | undefined): Promise<void> => {
    const stages = [await readVerified(entry), ...(entry.sealed && key ? [createOpener(key, aad(entry.name))] : [])];
    await pipeline([...stages, discard()]);
  };

  return {
    manifest,
    async get(name) {
      const entry = findEntry(manifest, name);
      // Unwrapping checks the manifest MAC: even an unsealed artifact is read only from an authentic manifest.
      if (manifest.dataKey) await unwrap();
      const stored = await buffer(await readVerified(entry));
      const plain = entry.sealed ? open(await unwrap(), stored, aad(name)) : stored;
      await audit.record({ action: 'backup.read', subject: aad(name), details: { size: entry.size, sealed: entry.sealed } });
      return plain;
    },
    async getToFile(name, path) {
      const entry = findEntry(manifest, name);
      // The key first: checks the manifest MAC, and a wrong key fails before any file is opened.
      const key = manifest.dataKey ? await unwrap() : undefined;
      const stream = await readVerified(entry);
      // Both the verifier and the opener fail in flush, before writeStreamAtomic renames the temp file into place.
      await writeStreamAtomic(path, entry.sealed ? chain(stream, createOpener(key ?? (await unwrap()), aad(name))) : stream);
      await audit.record({ action: 'backup.read', subject: aad(name), details: { size: entry.size, sealed: entry.sealed, to: path } });
    },
    async verify() {
      const problems: string[] = [];
      let key: Buffer | undefined;
      try {
        if (manifest.dataKey || manifest.artifacts.some((a) => a.sealed)) key = await unwrap();
      } catch (error) {
        // Without the key the sealed files can still be hash-checked.
        problems.push(`data key: ${describeError(error)}`);
      }
      for (const entry of manifest.artifacts) {
        await checkOne(entry, key).catch((error: unknown) => problems.push(`${entry.name}: ${describeError(error)}`));
      }
      for (const extra of await source.unlisted(manifest)) problems.push(`${extra}: file is not listed in the manifest`);
      await audit.record({ action: 'backup.verify', subject: manifest.id, details: { ok: problems.length === 0, problems: problems.length, artifacts: manifest.artifacts.length } });
      return { ok: problems.length === 0, problems };
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

async function unwrapDataKey(manifest: BackupManifest, keys: KeyProvider, audit: AuditLog): Promise<Buffer> {
  if (!manifest.dataKey) {
    throw new KdrillError('E_BACKUP_CORRUPT', `backup ${manifest.id} lists sealed artifacts but its manifest has no data key`, {
      hint: 'the manifest was written incompletely; restore from another backup',
    });
  }
  const { provider, keyId, keyVersion } = manifest.dataKey;
  const key = await keys.unwrap(manifest.dataKey);
  await audit.record({ action: 'key.unwrap', subject: manifest.id, details: { provider, keyId, keyVersion } });
  assertRootMac(key, manifest);
  return key;
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}
