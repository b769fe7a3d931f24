import { open as openFile, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KdrillError } from '../core/errors.js';
import { LocalKeyProvider, assertKeyOutsideStore } from '../crypto/local-kms.js';
import type { KeyProvider, WrappedKey } from '../crypto/types.js';
import { type AuditLog, nullAuditLog } from '../audit/audit-log.js';
import { ensureDir, fsyncDir, writeFileAtomic, writeStreamAtomic } from './atomic-file.js';
import type { ArtifactSink, ArtifactSource } from './backend.js';
import { MANIFEST_NAME, assertBackupId, manifestSize, newBackupId, parseManifest, sealManifest } from './manifest.js';
import { createBackupReader } from './reader.js';
import type { RewrappableStore } from './rewrap.js';
import type { BackupManifest, BackupSummary } from './types.js';
import { createBackupWriter } from './writer.js';

/** Options of the local store; `now` is injectable for tests. */
export interface LocalStoreOptions {
  root: string;
  keys: KeyProvider;
  audit?: AuditLog;
  now?: () => Date;
}

/** Backups as folders `<root>/<id>/` (manifest.json + artifacts), written in `.partial-<id>/` and renamed at commit. */
export function createLocalStore(options: LocalStoreOptions): RewrappableStore {
  const root = resolve(options.root);
  const audit = options.audit ?? nullAuditLog;
  const now = options.now ?? (() => new Date());
  if (options.keys instanceof LocalKeyProvider) assertKeyOutsideStore(options.keys.path, root);

  const readManifest = async (id: string): Promise<BackupManifest> => {
    assertBackupId(id);
    const path = join(root, id, MANIFEST_NAME);
    const text = await readFile(path, 'utf8').catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw new KdrillError('E_STORE', `cannot read ${path} (${error.code})`, { hint: 'check the store permissions' });
      throw await missingManifest(root, id);
    });
    return parseManifest(text, id, path);
  };

  return {
    type: 'local',
    describe: () => root,
    async create(init) {
      const createdAt = now();
      const id = newBackupId(createdAt);
      await ensureDir(root);
      const partial = join(root, `.partial-${id}`);
      await ensureDir(partial);
      await audit.record({ action: 'backup.create', subject: id, details: { strategy: init.strategy, store: root, keys: options.keys.describe() } });
      return createBackupWriter({ id, ...init, createdAt, sink: folderSink(root, partial, id), keys: options.keys, audit });
    },
    async open(id) {
      return createBackupReader(await readManifest(id), folderSource(join(root, id)), options.keys, audit);
    },
    async list() {
      const names = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw new KdrillError('E_STORE', `cannot list backup store ${root} (${error.code})`, { hint: 'check the path and its permissions' });
      });
      const ids = names.filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
      return Promise.all(ids.map((id) => readManifest(id).then(summaryOf, () => unreadable(id))));
    },
    async replaceDataKey(id: string, dataKey: WrappedKey) {
      const { rootHash: _old, ...body } = await readManifest(id);
      const manifest = sealManifest({ ...body, dataKey });
      await writeFileAtomic(join(root, id, MANIFEST_NAME), JSON.stringify(manifest, null, 2) + '\n');
      await audit.record({ action: 'key.rotate', subject: id, details: { provider: dataKey.provider, keyId: dataKey.keyId, keyVersion: dataKey.keyVersion } });
      return manifest;
    },
  };
}

function folderSink(root: string, partial: string, id: string): ArtifactSink {
  return {
    async write(name, body) {
      const path = join(partial, name);
      await (Buffer.isBuffer(body) ? writeFileAtomic(path, body) : writeStreamAtomic(path, body));
    },
    async commit(manifest) {
      await writeFileAtomic(join(partial, MANIFEST_NAME), manifest);
      await rename(partial, join(root, id));
      await fsyncDir(root);
    },
    async abort() {
      await rm(partial, { recursive: true, force: true });
    },
  };
}

function folderSource(dir: string): ArtifactSource {
  return {
    locate: (name) => join(dir, name),
    async read(name) {
      const handle = await openFile(join(dir, name), 'r').catch((error: NodeJS.ErrnoException) => {
        throw new KdrillError('E_BACKUP_CORRUPT', `${join(dir, name)} is missing (${error.code})`, { hint: 'a file of the backup was deleted; restore from another backup or copy' });
      });
      return handle.createReadStream();
    },
    async unlisted(manifest) {
      const listed = new Set([MANIFEST_NAME, ...manifest.artifacts.map((a) => a.name)]);
      const files = await readdir(dir, { recursive: true, withFileTypes: true });
      return files
        .filter((f) => f.isFile() || f.isSymbolicLink())
        .map((f) => join(f.parentPath, f.name).slice(dir.length + 1))
        .filter((name) => !listed.has(name))
        .sort();
    },
  };
}

async function missingManifest(root: string, id: string): Promise<KdrillError> {
  const exists = async (p: string) => stat(p).then(() => true, () => false);
  if (await exists(join(root, id))) {
    return new KdrillError('E_BACKUP_CORRUPT', `backup ${id} in ${root} has no ${MANIFEST_NAME}: its manifest was deleted`, {
      hint: 'a committed backup always has a manifest; this one cannot be trusted',
    });
  }
  const partial = (await exists(join(root, `.partial-${id}`))) ? ` (an unfinished write .partial-${id} exists: it was never committed)` : '';
  return new KdrillError('E_BACKUP_NOT_FOUND', `no backup ${id} in ${root}${partial}`, { hint: `run \`kdrill backups list --store ${root}\`` });
}

function summaryOf(manifest: BackupManifest): BackupSummary {
  return { id: manifest.id, strategy: manifest.strategy, createdAt: manifest.createdAt, cluster: manifest.cluster.name, sizeBytes: manifestSize(manifest) };
}

/** A listed folder whose manifest cannot be read: shown, not hidden, so `backups verify` can explain it. */
function unreadable(id: string): BackupSummary {
  return { id, strategy: 'unreadable', createdAt: '', cluster: '', sizeBytes: 0 };
}
