import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';

/** Object Lock settings applied to every object kdrill writes. */
export interface ObjectLock {
  mode: 'COMPLIANCE' | 'GOVERNANCE';
  days: number;
}

/** Upload tuning: bodies above `multipartThreshold` bytes go up in `partSize` parts, one part in memory at a time. */
export interface UploadLimits {
  multipartThreshold: number;
  partSize: number;
}

/** S3 single PUTs stop at 5 GiB; etcd snapshots can exceed that, so larger bodies go multipart. */
export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { multipartThreshold: 256 * 1024 * 1024, partSize: 64 * 1024 * 1024 };

const STREAM_CHUNK = 64 * 1024;

/** Writes one object of exactly `size` bytes, with Object Lock retention when `lock` is set; returns its version id. */
export async function uploadObject(
  client: S3Client,
  target: { bucket: string; key: string; lock?: ObjectLock; now: Date },
  body: Buffer | Readable,
  size: number,
  limits: UploadLimits,
): Promise<{ versionId?: string }> {
  const lock = target.lock
    ? { ObjectLockMode: target.lock.mode, ObjectLockRetainUntilDate: new Date(target.now.getTime() + target.lock.days * 86_400_000) }
    : {};
  if (Buffer.isBuffer(body) || size <= limits.multipartThreshold) {
    // Streams go up aws-chunked, where every chunk but the last must be >= 8 KiB: re-chunk (a sealer emits a 13-byte header first).
    const payload = Buffer.isBuffer(body) ? body : Readable.from(partsOf(body, STREAM_CHUNK));
    const out = await client.send(new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: payload, ContentLength: size, ...lock }));
    return out.VersionId ? { versionId: out.VersionId } : {};
  }
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ChecksumAlgorithm: 'CRC32', ...lock }),
  );
  const parts: Array<{ PartNumber: number; ETag?: string; ChecksumCRC32?: string }> = [];
  try {
    for await (const part of partsOf(body, limits.partSize)) {
      const PartNumber = parts.length + 1;
      const out = await client.send(
        new UploadPartCommand({ Bucket: target.bucket, Key: target.key, UploadId, PartNumber, Body: part, ContentLength: part.length, ChecksumAlgorithm: 'CRC32' }),
      );
      parts.push({ PartNumber, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 });
    }
    const out = await client.send(new CompleteMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId, MultipartUpload: { Parts: parts } }));
    return out.VersionId ? { versionId: out.VersionId } : {};
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId })).catch(() => undefined);
    throw error;
  }
}

/** Re-chunks a stream into buffers of exactly `size` bytes (the last may be shorter; an empty stream gives one empty part). */
async function* partsOf(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  let emitted = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending.push(chunk);
    length += chunk.length;
    while (length >= size) {
      const all = Buffer.concat(pending);
      yield all.subarray(0, size);
      emitted = true;
      pending = [all.subarray(size)];
      length = all.length - size;
    }
  }
  if (length > 0 || !emitted) yield Buffer.concat(pending);
}
