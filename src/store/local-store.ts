import { open as openFile, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KdrillError } from '../core/errors.js';
import { LocalKeyProvider, assertKeyOutsideStore } from '../crypto/local-kms.js';
import type { KeyProvider } from '../crypto/types.js';
import { type AuditLog, nullAuditLog } from '../audit/audit-log.js';
import { ensureDir, fsyncDir, writeFileAtomic, writeStreamAtomic } from './atomic-file.js';
import type { ArtifactSink, ArtifactSource } from './backend.js';
import { MANIFEST_NAME, assertBackupId, newBackupId, parseManifest } from './manifest.js';
import { openBackupReader } from './reader.js';
import type { RewrappableStore } from './rewrap.js';
import { summaryOf, unreadable } from './summary.js';
import type { BackupManifest, PartialBackup } from './types.js';
import { createBackupWriter } from './writer.js';

/** Options of the local store; `now` is injectable for tests. */
export interface LocalStoreOptions {
  root: string;
  keys: KeyProvider;
  audit?: AuditLog;
  now?: () => Date;
}

const PARTIAL = '.partial-';
/** A backup being deleted: renamed first, so it stops being a backup at once, then removed. */
const DELETING = '.deleting-';

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
  const entries = async () =>
    readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      // A store that does not exist is a wrong path far more often than an empty store: say so (exit 2).
      if (error.code === 'ENOENT') throw new KdrillError('E_STORE', `backup store ${root} does not exist`, { hint: 'check --store (a local store is created by the first `kdrill backup` into it)' });
      throw new KdrillError('E_STORE', `cannot list backup store ${root} (${error.code})`, { hint: 'check the path and its permissions' });
    });

  return {
    type: 'local',
    describe: () => root,
    async create(init) {
      const createdAt = now();
      const id = newBackupId(createdAt);
      await ensureDir(root);
      const partial = join(root, `${PARTIAL}${id}`);
      await ensureDir(partial);
      await audit.record({ action: 'backup.create', subject: id, details: { strategy: init.strategy, store: root, keys: options.keys.describe() } });
      return createBackupWriter({ id, ...init, createdAt, sink: folderSink(root, partial, id), keys: options.keys, audit });
    },
    async open(id) {
      return openBackupReader(await readManifest(id), folderSource(join(root, id)), options.keys, audit);
    },
    async list() {
      const ids = (await entries()).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
      return Promise.all(ids.map((id) => readManifest(id).then(summaryOf, () => unreadable(id))));
    },
    async listPartial() {
      const dirs = (await entries()).filter((d) => d.isDirectory() && (d.name.startsWith(PARTIAL) || d.name.startsWith(DELETING))).map((d) => d.name).sort();
      return Promise.all(dirs.map((name) => partialOf(root, name)));
    },
    lockOf: async () => undefined,
    async delete(id, deleteOptions = {}) {
      assertBackupId(id);
      const folders = deleteOptions.partial ? [`${PARTIAL}${id}`, `${DELETING}${id}`] : [id];
      const present = (await Promise.all(folders.map(async (f) => ((await exists(join(root, f))) ? f : undefined)))).filter((f): f is string => f !== undefined);
      if (present.length === 0) {
        throw new KdrillError('E_BACKUP_NOT_FOUND', `no ${deleteOptions.partial ? 'partial' : 'committed'} backup ${id} in ${root}`, { hint: `run \`kdrill backups list --store ${root}\`` });
      }
      let removed = 0;
      for (const folder of present) {
        const doomed = folder === id ? join(root, `${DELETING}${id}`) : join(root, folder);
        if (folder === id) {
          await rename(join(root, id), doomed);
          await fsyncDir(root);
        }
        removed += (await readdir(doomed, { recursive: true, withFileTypes: true })).filter((f) => !f.isDirectory()).length;
        await rm(doomed, { recursive: true, force: true });
      }
      await audit.record({ action: 'backup.delete', subject: id, details: { store: root, partial: Boolean(deleteOptions.partial), removed } });
      return { id, status: 'deleted' as const, removed };
    },
    readManifest,
    async replaceManifest(id, manifest) {
      await readManifest(id);
      await writeFileAtomic(join(root, id, MANIFEST_NAME), JSON.stringify(manifest, null, 2) + '\n');
      const { provider, keyId, keyVersion } = manifest.dataKey;
      await audit.record({ action: 'key.rotate', subject: id, details: { provider, keyId, keyVersion } });
    },
  };
}

function folderSink(root: string, partial: string, id: string): ArtifactSink {
  return {
    async write(name, body) {
      const path = join(partial, name);
      await (Buffer.isBuffer(body) ? writeFileAtomic(path, body) : writeStreamAtomic(path, body));
    },
    async writeUnsized(name, body) {
      await writeStreamAtomic(join(partial, name), body);
    },
    async commit(manifest) {
      await writeFileAtomic(join(partial, MANIFEST_NAME), manifest);
      await rename(partial, join(root, id));
      await fsyncDir(root);
      return {};
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

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** A `.partial-<id>` (or interrupted `.deleting-<id>`) folder: its files and newest write. */
async function partialOf(root: string, name: string): Promise<PartialBackup> {
  const dir = join(root, name);
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
  const stats = await Promise.all(files.map((f) => stat(join(f.parentPath, f.name))));
  const newest = Math.max((await stat(dir)).mtimeMs, ...stats.map((s) => s.mtimeMs));
  return { id: name.slice(name.indexOf('-', 1) + 1), lastWrite: new Date(newest).toISOString(), objects: files.length, sizeBytes: stats.reduce((sum, s) => sum + s.size, 0) };
}

async function missingManifest(root: string, id: string): Promise<KdrillError> {
  if (await exists(join(root, id))) {
    return new KdrillError('E_BACKUP_CORRUPT', `backup ${id} in ${root} has no ${MANIFEST_NAME}: its manifest was deleted`, {
      hint: 'a committed backup always has a manifest; this one cannot be trusted',
    });
  }
  const partial = (await exists(join(root, `${PARTIAL}${id}`))) ? ` (an unfinished write ${PARTIAL}${id} exists: it was never committed)` : '';
  return new KdrillError('E_BACKUP_NOT_FOUND', `no backup ${id} in ${root}${partial}`, { hint: `run \`kdrill backups list --store ${root}\`` });
}
