import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { KdrillError } from '../core/errors.js';
import type { KeyProvider } from '../crypto/types.js';
import { type AuditLog, nullAuditLog } from '../audit/audit-log.js';
import type { ArtifactSink, ArtifactSource } from './backend.js';
import { MANIFEST_NAME, assertBackupId, newBackupId, parseManifest } from './manifest.js';
import { openBackupReader } from './reader.js';
import type { RewrappableStore } from './rewrap.js';
import { s3Error } from './s3-errors.js';
import { DEFAULT_UPLOAD_LIMITS, type ObjectLock, type UploadLimits, uploadObject } from './s3-upload.js';
import { type ObjectVersion, bucketLockEnabled, listVersions, lockInForce, strongestLock, versionRetention } from './s3-versions.js';
import { summaryOf, unreadable } from './summary.js';
import type { BackupLock, BackupManifest, BackupSummary, PartialBackup } from './types.js';
import { createBackupWriter } from './writer.js';

/** Options of the S3 store; credentials come from the SDK's chain (AWS_ACCESS_KEY_ID..., profiles, roles). */
export interface S3StoreOptions {
  bucket: string;
  /** Key prefix for every backup, without slashes at either end. */
  prefix?: string;
  region?: string;
  /** An S3-compatible endpoint (path-style addressing is then the default). */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Object Lock retention for every object written; the bucket must have Object Lock enabled. */
  objectLock?: ObjectLock;
  keys: KeyProvider;
  audit?: AuditLog;
  now?: () => Date;
  /** For tests: multipart threshold and part size. */
  uploadLimits?: UploadLimits;
}

/** A manifest as read from S3, with the version it came from and the lock that pins it. */
interface StoredManifest {
  manifest: BackupManifest;
  versionId?: string;
  lock?: BackupLock;
  /** Every version under the backup's folder, per key, newest first. */
  versions: Map<string, ObjectVersion[]>;
}

const DELETE_BATCH = 1000;

/**
 * Backups as `s3://bucket/prefix/<id>/` objects; the manifest is written last, so a backup without one is not listed.
 * Under Object Lock the manifest version written at commit is the one read: when it is locked and a newer version
 * exists, the backup is refused (someone who may write objects added it), and artifacts are read at their oldest
 * version too.
 */
export function createS3Store(options: S3StoreOptions): RewrappableStore {
  const { bucket } = options;
  const prefix = options.prefix ? options.prefix.replace(/^\/+|\/+$/g, '') + '/' : '';
  const audit = options.audit ?? nullAuditLog;
  const now = options.now ?? (() => new Date());
  const limits = options.uploadLimits ?? DEFAULT_UPLOAD_LIMITS;
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const client = new S3Client({ region, endpoint: options.endpoint, forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint), maxAttempts: 3 });
  const where = `s3://${bucket}/${prefix}`;
  const keyOf = (id: string, name: string) => `${prefix}${id}/${name}`;
  const url = (key: string) => `s3://${bucket}/${key}`;
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => run().catch((error: unknown) => Promise.reject(s3Error(what, error, options.endpoint)));
  const put = (key: string, body: Buffer | Readable, size: number) =>
    call(`write ${url(key)}`, () => uploadObject(client, { bucket, key, lock: options.objectLock, now: now() }, body, size, limits));
  let lockEnabled: Promise<boolean> | undefined;
  const bucketLocks = () => (lockEnabled ??= call(`read the Object Lock configuration of ${bucket}`, () => bucketLockEnabled(client, bucket)));

  const getObject = async (key: string, versionId?: string): Promise<Readable | undefined> => {
    try {
      const version = versionId && versionId !== 'null' ? { VersionId: versionId } : {};
      return (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...version }))).Body as Readable;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw s3Error(`read ${url(key)}`, error, options.endpoint);
    }
  };
  const listObjects = async (keyPrefix: string, max?: number): Promise<Array<{ key: string; size: number; lastModified?: Date }>> => {
    const found: Array<{ key: string; size: number; lastModified?: Date }> = [];
    let token: string | undefined;
    do {
      const out = await call(`list ${where}`, () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, ContinuationToken: token, MaxKeys: max })));
      found.push(...(out.Contents ?? []).map((c) => ({ key: c.Key!, size: c.Size ?? 0, lastModified: c.LastModified })));
      token = out.IsTruncated && !max ? out.NextContinuationToken : undefined;
    } while (token);
    return found;
  };
  const folderVersions = (id: string) => call(`list the object versions of ${where}${id}/`, () => listVersions(client, bucket, `${prefix}${id}/`));

  const readManifest = async (id: string): Promise<StoredManifest> => {
    assertBackupId(id);
    const key = keyOf(id, MANIFEST_NAME);
    const versions = await folderVersions(id);
    const history = versions.get(key) ?? [];
    if (history[0]?.deleteMarker) throw deletedManifest(id);
    const stored = history.filter((v) => !v.deleteMarker);
    if (stored.length === 0) throw await missingManifest(id);
    // The oldest version is the one kdrill wrote at commit; under a lock in force nobody can have removed or replaced it.
    const first = stored.at(-1)!;
    const retention = (await bucketLocks()) ? await call(`read the retention of ${url(key)}`, () => versionRetention(client, bucket, first)) : undefined;
    const lock = lockInForce(retention, now());
    if (lock && stored.length > 1) throw newerManifest(id, first, stored.length - 1, lock);
    // A retention that ran out is fine (old backups outlive it); one that was never set was not written by this store.
    if (options.objectLock && !retention) {
      throw new KdrillError('E_BACKUP_CORRUPT', `${url(key)} (version ${first.versionId}) carries no Object Lock retention, but this store locks every object it writes`, {
        hint: 'it was not written by kdrill with this store configuration: restore from a locked backup, or drop objectLock from the store options to read it',
      });
    }
    const chosen = lock ? first : stored[0]!;
    const body = await getObject(key, chosen.versionId);
    if (!body) throw await missingManifest(id);
    const manifest = parseManifest((await buffer(body)).toString('utf8'), id, url(key));
    return { manifest, ...(chosen.versionId !== 'null' ? { versionId: chosen.versionId } : {}), ...(lock ? { lock } : {}), versions };
  };
  const deletedManifest = (id: string) =>
    new KdrillError('E_BACKUP_CORRUPT', `backup ${id} in ${where} had a manifest that was deleted (older versions remain)`, {
      hint: 'a committed backup was tampered with; restore its manifest from a previous object version, or use another backup',
    });
  const missingManifest = async (id: string): Promise<KdrillError> => {
    const leftovers = (await listObjects(`${prefix}${id}/`, 1)).length > 0;
    return new KdrillError('E_BACKUP_NOT_FOUND', `no backup ${id} in ${where}${leftovers ? ' (objects exist without a manifest: a write that was never committed)' : ''}`, {
      hint: `list the committed backups with \`kdrill backups list --store ${where}\``,
    });
  };
  const newerManifest = (id: string, first: ObjectVersion, newer: number, lock: BackupLock) =>
    new KdrillError('E_BACKUP_CORRUPT', `backup ${id}: ${url(keyOf(id, MANIFEST_NAME))} has ${newer} newer version${newer === 1 ? '' : 's'} written after the locked version ${first.versionId} (locked ${lock.until ? `until ${lock.until}` : 'by a legal hold'})`, {
      hint: 'kdrill never rewrites a locked manifest: someone with write access added a version. Do not trust it; read the locked version with the S3 console or CLI to investigate, and restore from another backup',
    });

  const sink = (id: string): ArtifactSink => {
    const written: string[] = [];
    return {
      async write(name, body, size) {
        written.push(keyOf(id, name));
        await put(keyOf(id, name), body, size);
      },
      commit: (manifest) => put(keyOf(id, MANIFEST_NAME), manifest, manifest.length),
      async abort() {
        // Under Object Lock these become delete markers; the locked versions stay until their retention ends.
        if (written.length === 0) return;
        await call(`abort ${where}${id}/`, () => client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: written.map((Key) => ({ Key })), Quiet: true } })));
      },
    };
  };
  /** Artifacts of a locked manifest are read at their oldest version too: a newer one cannot shadow what was committed. */
  const source = (id: string, stored: StoredManifest): ArtifactSource => ({
    locate: (name) => url(keyOf(id, name)),
    async read(name) {
      const key = keyOf(id, name);
      const pinned = stored.lock ? stored.versions.get(key)?.filter((v) => !v.deleteMarker).at(-1)?.versionId : undefined;
      const body = await getObject(key, pinned);
      if (!body) throw new KdrillError('E_BACKUP_CORRUPT', `${url(key)} is missing`, { hint: 'an object of the backup was deleted; restore it from a previous version or use another backup' });
      return body;
    },
    async unlisted(manifest) {
      const listed = new Set([MANIFEST_NAME, ...manifest.artifacts.map((a) => a.name)]);
      const base = `${prefix}${id}/`;
      return (await listObjects(base)).map((o) => o.key.slice(base.length)).filter((n) => !listed.has(n)).sort();
    },
  });
  const backupIds = async (): Promise<string[]> => {
    const ids = new Set<string>();
    let token: string | undefined;
    do {
      const out = await call(`list ${where}`, () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })));
      for (const p of out.CommonPrefixes ?? []) ids.add(p.Prefix!.slice(prefix.length, -1));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return [...ids].sort();
  };
  const lockOf = async (id: string): Promise<BackupLock | undefined> => {
    if (!(await bucketLocks())) return undefined;
    const versions = [...(await folderVersions(id)).values()].flat();
    return call(`read the retention of ${where}${id}/`, () => strongestLock(client, bucket, versions, now()));
  };

  return {
    type: 's3',
    describe: () => where,
    async create(init) {
      const createdAt = now();
      const id = newBackupId(createdAt);
      await audit.record({ action: 'backup.create', subject: id, details: { strategy: init.strategy, store: where, keys: options.keys.describe() } });
      return createBackupWriter({ id, ...init, createdAt, sink: sink(id), keys: options.keys, audit });
    },
    async open(id) {
      const stored = await readManifest(id);
      return openBackupReader(stored.manifest, source(id, stored), options.keys, audit, { manifestVersionId: stored.versionId });
    },
    async list() {
      const summaries = await Promise.all(
        (await backupIds()).map((id) => readManifest(id).then((s) => summaryOf(s.manifest), (e: KdrillError) => (e.code === 'E_BACKUP_NOT_FOUND' ? undefined : unreadable(id)))),
      );
      return summaries.filter((s): s is BackupSummary => s !== undefined);
    },
    async listPartial() {
      const partial: PartialBackup[] = [];
      for (const id of await backupIds()) {
        const objects = await listObjects(`${prefix}${id}/`);
        if (objects.some((o) => o.key === keyOf(id, MANIFEST_NAME))) continue;
        const newest = Math.max(0, ...objects.map((o) => o.lastModified?.getTime() ?? 0));
        partial.push({ id, lastWrite: newest ? new Date(newest).toISOString() : '', objects: objects.length, sizeBytes: objects.reduce((s, o) => s + o.size, 0) });
      }
      return partial;
    },
    lockOf: (id) => lockOf(id),
    async delete(id, deleteOptions = {}) {
      assertBackupId(id);
      const versions = await folderVersions(id);
      const manifestKey = keyOf(id, MANIFEST_NAME);
      const committed = (versions.get(manifestKey) ?? []).some((v) => !v.deleteMarker);
      if (versions.size === 0 || committed === Boolean(deleteOptions.partial)) {
        throw new KdrillError('E_BACKUP_NOT_FOUND', `no ${deleteOptions.partial ? 'partial' : 'committed'} backup ${id} in ${where}`, { hint: `run \`kdrill backups list --store ${where}\`` });
      }
      const lock = await lockOf(id);
      if (lock) return { id, status: 'locked' as const, removed: 0, lock };
      // Every version and delete marker goes, the manifest's first: from then on it is no backup, whatever follows.
      const all = [...versions.values()].flat().sort((a, b) => Number(b.key === manifestKey) - Number(a.key === manifestKey));
      for (let i = 0; i < all.length; i += DELETE_BATCH) await deleteVersions(all.slice(i, i + DELETE_BATCH));
      await audit.record({ action: 'backup.delete', subject: id, details: { store: where, partial: Boolean(deleteOptions.partial), removed: all.length } });
      return { id, status: 'deleted' as const, removed: all.length };
    },
    readManifest: async (id) => (await readManifest(id)).manifest,
    async replaceManifest(id, manifest) {
      const current = await readManifest(id);
      if (current.lock) {
        throw new KdrillError('E_STORE', `backup ${id}'s manifest is under Object Lock${current.lock.until ? ` until ${current.lock.until}` : ''}: a re-wrapped manifest would be a newer version, which readers refuse`, {
          hint: 'keep the old key (key files keep every version; KMS keys keep old material) until the lock expires, then re-wrap',
        });
      }
      const bytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
      const { versionId } = await put(keyOf(id, MANIFEST_NAME), bytes, bytes.length);
      const { provider, keyId, keyVersion } = manifest.dataKey;
      await audit.record({ action: 'key.rotate', subject: id, details: { provider, keyId, keyVersion, ...(versionId ? { manifestVersionId: versionId } : {}) } });
    },
  };

  async function deleteVersions(batch: ObjectVersion[]): Promise<void> {
    const objects = batch.map((v) => ({ Key: v.key, ...(v.versionId !== 'null' ? { VersionId: v.versionId } : {}) }));
    const out = await call(`delete ${objects.length} objects under ${where}`, () => client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } })));
    const errors = out.Errors ?? [];
    if (errors.length) {
      throw new KdrillError('E_STORE', `could not delete ${errors.length} object versions under ${where}: ${errors.slice(0, 3).map((e) => `${e.Key} (${e.Code})`).join(', ')}`, {
        hint: 'check s3:DeleteObjectVersion permission and Object Lock; run prune again to finish',
      });
    }
  }
}
