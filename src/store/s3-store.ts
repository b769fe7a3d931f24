import { DeleteObjectsCommand, GetObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { KdrillError } from '../core/errors.js';
import type { KeyProvider, WrappedKey } from '../crypto/types.js';
import { type AuditLog, nullAuditLog } from '../audit/audit-log.js';
import type { ArtifactSink, ArtifactSource } from './backend.js';
import { MANIFEST_NAME, assertBackupId, manifestSize, newBackupId, parseManifest, sealManifest } from './manifest.js';
import { createBackupReader } from './reader.js';
import type { RewrappableStore } from './rewrap.js';
import { s3Error } from './s3-errors.js';
import { DEFAULT_UPLOAD_LIMITS, type ObjectLock, type UploadLimits, uploadObject } from './s3-upload.js';
import type { BackupManifest, BackupSummary } from './types.js';
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

/** Backups as `s3://bucket/prefix/<id>/` objects; the manifest is written last, so a backup without one is not listed. */
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
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => run().catch((error: unknown) => Promise.reject(s3Error(what, error, options.endpoint)));
  const put = (key: string, body: Buffer | Readable, size: number) =>
    call(`write s3://${bucket}/${key}`, () => uploadObject(client, { bucket, key, lock: options.objectLock, now: now() }, body, size, limits));

  const getObject = async (key: string): Promise<Readable | undefined> => {
    try {
      return (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw s3Error(`read s3://${bucket}/${key}`, error, options.endpoint);
    }
  };
  const listKeys = async (keyPrefix: string, max?: number): Promise<string[]> => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await call(`list ${where}`, () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, ContinuationToken: token, MaxKeys: max })));
      keys.push(...(out.Contents ?? []).map((c) => c.Key!));
      token = out.IsTruncated && !max ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  };
  const readManifest = async (id: string): Promise<BackupManifest> => {
    assertBackupId(id);
    const key = keyOf(id, MANIFEST_NAME);
    const body = await getObject(key);
    if (!body) throw await missingManifest(id);
    return parseManifest((await buffer(body)).toString('utf8'), id, `s3://${bucket}/${key}`);
  };
  const missingManifest = async (id: string): Promise<KdrillError> => {
    // With versioning, a deleted manifest leaves a delete marker or older versions: it was committed, then removed.
    const key = keyOf(id, MANIFEST_NAME);
    const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, MaxKeys: 10 })).catch(() => undefined);
    if ([...(versions?.Versions ?? []), ...(versions?.DeleteMarkers ?? [])].some((v) => v.Key === key)) {
      return new KdrillError('E_BACKUP_CORRUPT', `backup ${id} in ${where} had a manifest that was deleted (older versions remain)`, {
        hint: 'a committed backup was tampered with; restore its manifest from a previous object version, or use another backup',
      });
    }
    const leftovers = (await listKeys(`${prefix}${id}/`, 1)).length > 0;
    return new KdrillError('E_BACKUP_NOT_FOUND', `no backup ${id} in ${where}${leftovers ? ' (objects exist without a manifest: a write that was never committed)' : ''}`, {
      hint: 'list the committed backups with `kdrill backups list`',
    });
  };

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
  const source = (id: string): ArtifactSource => ({
    locate: (name) => `s3://${bucket}/${keyOf(id, name)}`,
    async read(name) {
      const body = await getObject(keyOf(id, name));
      if (!body) throw new KdrillError('E_BACKUP_CORRUPT', `s3://${bucket}/${keyOf(id, name)} is missing`, { hint: 'an object of the backup was deleted; restore it from a previous version or use another backup' });
      return body;
    },
    async unlisted(manifest) {
      const listed = new Set([MANIFEST_NAME, ...manifest.artifacts.map((a) => a.name)]);
      const base = `${prefix}${id}/`;
      return (await listKeys(base)).map((k) => k.slice(base.length)).filter((n) => !listed.has(n)).sort();
    },
  });

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
      return createBackupReader(await readManifest(id), source(id), options.keys, audit);
    },
    async list() {
      const ids = new Set<string>();
      let token: string | undefined;
      do {
        const out = await call(`list ${where}`, () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token })));
        for (const p of out.CommonPrefixes ?? []) ids.add(p.Prefix!.slice(prefix.length, -1));
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      const summaries = await Promise.all([...ids].sort().map((id) => readManifest(id).then(summaryOf, (e: KdrillError) => (e.code === 'E_BACKUP_NOT_FOUND' ? undefined : unreadable(id)))));
      return summaries.filter((s): s is BackupSummary => s !== undefined);
    },
    async replaceDataKey(id: string, dataKey: WrappedKey) {
      const { rootHash: _old, ...body } = await readManifest(id);
      const manifest = sealManifest({ ...body, dataKey });
      const bytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
      await put(keyOf(id, MANIFEST_NAME), bytes, bytes.length);
      await audit.record({ action: 'key.rotate', subject: id, details: { provider: dataKey.provider, keyId: dataKey.keyId, keyVersion: dataKey.keyVersion } });
      return manifest;
    },
  };
}

function summaryOf(manifest: BackupManifest): BackupSummary {
  return { id: manifest.id, strategy: manifest.strategy, createdAt: manifest.createdAt, cluster: manifest.cluster.name, sizeBytes: manifestSize(manifest) };
}

function unreadable(id: string): BackupSummary {
  return { id, strategy: 'unreadable', createdAt: '', cluster: '', sizeBytes: 0 };
}
