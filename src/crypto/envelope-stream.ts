import { createCipheriv, createDecipheriv, randomBytes, type DecipherGCM } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import {
  SEAL_HEADER_BYTES,
  SEAL_TAG_BYTES,
  SEAL_VERSION,
  assertDataKey,
  authFailure,
  truncatedError,
  versionError,
} from './envelope.js';

/** A stream form of `seal` for files too large for memory; output is byte-compatible with `open`. */
export function createSealer(dataKey: Buffer, aad: string): Transform {
  assertDataKey(dataKey);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (!started) {
        started = true;
        this.push(Buffer.concat([Buffer.from([SEAL_VERSION]), nonce]));
      }
      done(null, cipher.update(chunk));
    },
    flush(done) {
      if (!started) this.push(Buffer.concat([Buffer.from([SEAL_VERSION]), nonce]));
      this.push(cipher.final());
      done(null, cipher.getAuthTag());
    },
  });
}

/**
 * A stream form of `open`. It emits plaintext before the tag is checked (the tag is last), so callers must write to a
 * temporary file and keep it only when the stream ends without error.
 */
export function createOpener(dataKey: Buffer, aad: string): Transform {
  assertDataKey(dataKey);
  let header: Buffer | undefined;
  let pending = Buffer.alloc(0);
  let decipher: DecipherGCM | undefined;
  let total = 0;
  let failure: Error | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      total += chunk.length;
      if (failure) return done();
      pending = Buffer.concat([pending, chunk]);
      if (!decipher) {
        if (pending.length < SEAL_HEADER_BYTES) return done();
        header = pending.subarray(0, SEAL_HEADER_BYTES);
        pending = pending.subarray(SEAL_HEADER_BYTES);
        // Report a bad header at the end, so a hash or size check earlier in the pipeline gets to explain the damage first.
        if (header[0] !== SEAL_VERSION) {
          failure = versionError(aad, header[0]);
          return done();
        }
        decipher = createDecipheriv('aes-256-gcm', dataKey, header.subarray(1));
        decipher.setAAD(Buffer.from(aad, 'utf8'));
      }
      // Hold back the last 16 bytes: they may be the tag.
      if (pending.length <= SEAL_TAG_BYTES) return done();
      const body = pending.subarray(0, pending.length - SEAL_TAG_BYTES);
      pending = pending.subarray(pending.length - SEAL_TAG_BYTES);
      done(null, decipher.update(body));
    },
    flush(done) {
      if (failure) return done(failure);
      if (!decipher || pending.length < SEAL_TAG_BYTES) return done(truncatedError(aad, total));
      try {
        decipher.setAuthTag(pending);
        done(null, decipher.final());
      } catch (error) {
        done(authFailure(aad, error));
      }
    },
  });
}
