import { createHash } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import { KdrillError } from '../core/errors.js';
import type { BackupManifest } from './types.js';

/** Where one backup's files go while it is written (a `.partial-` folder, an S3 prefix). */
export interface ArtifactSink {
  /** Stores exactly `size` bytes under `name`; `body` streams when large. */
  write(name: string, body: Buffer | Readable, size: number): Promise<void>;
  /** Stores a stream of a size not known in advance, where the store needs none (a folder); others get it spooled. */
  writeUnsized?(name: string, body: Readable): Promise<void>;
  /** Stores the manifest last and makes the backup visible to readers; S3 with versioning returns its version id. */
  commit(manifest: Buffer): Promise<{ versionId?: string }>;
  /** Removes whatever was written. */
  abort(): Promise<void>;
}

/** Where one committed backup's files are read from. */
export interface ArtifactSource {
  /** A stream of the stored bytes; E_BACKUP_CORRUPT naming the location when the file is missing. */
  read(name: string): Promise<Readable>;
  /** Stored files the manifest does not list (tamper evidence). */
  unlisted(manifest: BackupManifest): Promise<string[]>;
  /** Where `name` lives, for messages: a path or an s3:// URL. */
  locate(name: string): string;
}

/** A pass-through stream that counts bytes and hashes them; `result()` is valid once the stream ended. */
export function createHasher(): { stream: Transform; result(): { size: number; sha256: string } } {
  const hash = createHash('sha256');
  let size = 0;
  let digest: string | undefined;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      digest = hash.digest('hex');
      done();
    },
  });
  return { stream, result: () => ({ size, sha256: digest ?? '' }) };
}

/** A pass-through stream that fails with E_BACKUP_CORRUPT when the bytes are not exactly `size` long with hash `sha256`. */
export function createVerifier(expected: { size: number; sha256: string }, location: string): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > expected.size) return done(sizeError(location, size, expected.size, 'or more '));
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (size !== expected.size) return done(sizeError(location, size, expected.size, ''));
      const actual = hash.digest('hex');
      if (actual !== expected.sha256) {
        return done(
          new KdrillError('E_BACKUP_CORRUPT', `${location} is corrupt: sha256 ${actual.slice(0, 12)}… differs from the manifest's ${expected.sha256.slice(0, 12)}…`, {
            hint: 'the file was altered after the backup was written; restore from another backup or copy',
          }),
        );
      }
      done();
    },
  });
}

function sizeError(location: string, actual: number, expected: number, more: string): KdrillError {
  return new KdrillError('E_BACKUP_CORRUPT', `${location} is corrupt: ${actual} ${more}bytes, the manifest says ${expected}`, {
    hint: actual < expected ? 'the file was truncated; restore from another backup or copy' : 'the file was altered after the backup was written',
  });
}

/** `from.pipe(to)` that also passes `from`'s errors on and releases `from` (its file handle) when `to` fails. */
export function chain<T extends Transform>(from: Readable, to: T): T {
  from.on('error', (error) => to.destroy(error));
  to.on('close', () => from.destroy());
  return from.pipe(to);
}
