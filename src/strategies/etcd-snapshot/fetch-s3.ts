import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KdrillError } from '../../core/errors.js';

/**
 * Downloads `s3://bucket/key` into a private folder under `workDir` and returns its path and the object's
 * LastModified (the snapshot's age). Region and credentials come from the AWS environment ($AWS_REGION,
 * $AWS_ACCESS_KEY_ID..., OIDC); an S3-compatible endpoint from $AWS_ENDPOINT_URL_S3 (path-style addressing then).
 */
export async function fetchS3Snapshot(url: string, workDir: string, signal: AbortSignal): Promise<{ path: string; savedAt: number }> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new KdrillError('E_SCENARIO_INVALID', `backup.from.etcdSnapshot ${url} is not an s3://bucket/key URL`, { hint: 'write s3://BUCKET/path/to/snapshot.db, or a file path' });
  const [, bucket, key] = m as unknown as [string, string, string];
  // The AWS SDK costs ~0.3 s to load: only drills of a snapshot on S3 pay for it.
  const { GetObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const client = new S3Client({ region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1', forcePathStyle: Boolean(endpoint), maxAttempts: 3 });
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }).catch((error: unknown) => {
      const name = (error as { name?: string }).name ?? 'Error';
      throw new KdrillError(name === 'NoSuchKey' || name === 'NotFound' ? 'E_BACKUP_NOT_FOUND' : 'E_STORE', `cannot read etcd snapshot ${url}: ${name}: ${(error as Error).message}`, {
        hint: 'check the URL, the AWS credentials and region, and $AWS_ENDPOINT_URL_S3 for an S3-compatible store',
      });
    });
    const dir = await mkdtemp(join(workDir, 'etcd-snapshot-'));
    const path = join(dir, 'snapshot.db');
    await pipeline(object.Body as Readable, createWriteStream(path, { mode: 0o600 }));
    return { path, savedAt: object.LastModified?.getTime() ?? Date.now() };
  } finally {
    client.destroy();
  }
}
