import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { KdrillError } from '../core/errors.js';
import { SEAL_OVERHEAD, generateDataKey, seal } from '../crypto/envelope.js';
import { createSealer } from '../crypto/envelope-stream.js';
import type { KeyProvider, WrappedKey } from '../crypto/types.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Readable } from 'node:stream';
import { type ArtifactSink, chain, createHasher } from './backend.js';
import { assertArtifactName, manifestSize, sealManifest } from './manifest.js';
import { assertSealOnWrite } from './seal-policy.js';
import type { ArtifactEntry, BackupManifest, BackupWriter } from './types.js';

/** What a store passes to build a writer. */
export interface WriterInit {
  id: string;
  strategy: string;
  cluster: BackupManifest['cluster'];
  createdAt: Date;
  sink: ArtifactSink;
  keys: KeyProvider;
  audit: AuditLog;
}

/** A writer shared by every store: seals, hashes, and commits the manifest through the store's sink. */
export async function createBackupWriter(init: WriterInit): Promise<BackupWriter> {
  const dataKey = generateDataKey();
  // Wrap now, so a KMS that is down fails the backup before any data moves; the wrapping is bound to this backup's id.
  const wrapped: WrappedKey = await init.keys.wrap(dataKey, { backupId: init.id });
  const entries = new Map<string, ArtifactEntry>();
  const claimed = new Set<string>();
  let state: 'open' | 'committed' | 'aborted' = 'open';

  const claim = (name: string, sealed: boolean | undefined) => {
    if (state !== 'open') throw new KdrillError('E_STORE', `backup ${init.id} is already ${state}; cannot add ${name}`);
    assertArtifactName(name);
    assertSealOnWrite(name, sealed === true);
    // Reserve the name now, not when the write ends: two concurrent puts of one name must not both pass.
    if (claimed.has(name)) throw new KdrillError('E_STORE', `backup ${init.id} already has an artifact named ${name}`, { hint: 'artifact names must be unique' });
    claimed.add(name);
  };
  const record = (entry: ArtifactEntry) => {
    entries.set(entry.name, entry);
    return entry;
  };
  const aad = (name: string) => `${init.id}/${name}`;
  /** What the store keeps of `source`: sealed when asked, counted and hashed on the way. */
  const storedForm = (source: Readable, name: string, sealed: boolean | undefined, hasher: ReturnType<typeof createHasher>) =>
    chain(sealed ? chain(source, createSealer(dataKey, aad(name))) : source, hasher.stream);

  return {
    id: init.id,
    async put(name, data, options = {}) {
      claim(name, options.sealed);
      const bytes = options.sealed ? seal(dataKey, data, aad(name)) : data;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await init.sink.write(name, bytes, bytes.length);
      return record({ name, size: bytes.length, sha256, sealed: options.sealed === true, mediaType: options.mediaType });
    },
    async putFile(name, path, options = {}) {
      claim(name, options.sealed);
      const plainSize = (await stat(path)).size;
      const size = options.sealed ? plainSize + SEAL_OVERHEAD : plainSize;
      const hasher = createHasher();
      const body = storedForm(createReadStream(path), name, options.sealed, hasher);
      await init.sink.write(name, body, size).catch((error: unknown) => {
        body.destroy();
        throw error;
      });
      const result = hasher.result();
      if (result.size !== size) throw new KdrillError('E_STORE', `${path} changed while it was stored (${result.size} bytes, expected ${size})`, { hint: 'write the file completely before storing it' });
      return record({ name, ...result, sealed: options.sealed === true, mediaType: options.mediaType });
    },
    async putStream(name, body, options = {}) {
      claim(name, options.sealed);
      const hasher = createHasher();
      const stored = storedForm(body, name, options.sealed, hasher);
      try {
        await (init.sink.writeUnsized ? init.sink.writeUnsized(name, stored) : spoolThenWrite(init.sink, name, stored));
        return record({ name, ...hasher.result(), sealed: options.sealed === true, mediaType: options.mediaType });
      } catch (error) {
        body.destroy();
        claimed.delete(name);
        throw error;
      }
    },
    async commit(metadata) {
      if (state !== 'open') throw new KdrillError('E_STORE', `backup ${init.id} is already ${state}`);
      const artifacts = [...entries.values()];
      const manifest = sealManifest(
        { formatVersion: 1, id: init.id, strategy: init.strategy, createdAt: init.createdAt.toISOString(), cluster: init.cluster, dataKey: wrapped, artifacts, metadata },
        dataKey,
      );
      const { versionId } = await init.sink.commit(Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
      state = 'committed';
      dataKey.fill(0);
      // The manifest's object version (S3) is what a reader must find unchanged: record it.
      const details = { artifacts: artifacts.length, sizeBytes: manifestSize(manifest), sealed: artifacts.filter((a) => a.sealed).length, rootHash: manifest.rootHash };
      await init.audit.record({ action: 'backup.write', subject: init.id, details: { ...details, ...(versionId ? { manifestVersionId: versionId } : {}) } });
      return manifest;
    },
    async abort() {
      if (state !== 'open') return;
      state = 'aborted';
      dataKey.fill(0);
      await init.sink.abort();
    },
  };
}

/** For stores that need the size before the bytes (S3's content length): the stored form (ciphertext when sealed) goes to a temporary file first. */
async function spoolThenWrite(sink: ArtifactSink, name: string, stored: Readable): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kdrill-spool-'));
  try {
    const spool = join(dir, 'artifact');
    await pipeline(stored, createWriteStream(spool));
    await sink.write(name, createReadStream(spool), (await stat(spool)).size);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
