import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KdrillError } from '../core/errors.js';

/** First byte of every sealed blob; a new layout gets a new number. */
export const SEAL_VERSION = 1;
/** Bytes of a 256-bit data key. */
export const DATA_KEY_BYTES = 32;
/** Bytes before the ciphertext: version byte + 12-byte nonce. */
export const SEAL_HEADER_BYTES = 13;
/** Bytes of the GCM tag after the ciphertext. */
export const SEAL_TAG_BYTES = 16;
/** How much larger a sealed blob is than its plaintext. */
export const SEAL_OVERHEAD = SEAL_HEADER_BYTES + SEAL_TAG_BYTES;

/** A fresh random 256-bit data key (one per backup, as in Kubernetes KMS v2). */
export function generateDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/** AES-256-GCM with a random nonce; returns `version | nonce | ciphertext | tag`. `aad` names what is sealed. */
export function seal(dataKey: Buffer, plaintext: Buffer, aad: string): Buffer {
  assertDataKey(dataKey);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([SEAL_VERSION]), nonce, body, cipher.getAuthTag()]);
}

/** Reverses `seal`; throws E_BACKUP_CORRUPT (never partial plaintext) when the blob, key or `aad` do not match. */
export function open(dataKey: Buffer, sealed: Buffer, aad: string): Buffer {
  assertDataKey(dataKey);
  assertSealedHeader(sealed, sealed.length, aad);
  const nonce = sealed.subarray(1, SEAL_HEADER_BYTES);
  const tag = sealed.subarray(sealed.length - SEAL_TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  const body = sealed.subarray(SEAL_HEADER_BYTES, sealed.length - SEAL_TAG_BYTES);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (error) {
    throw authFailure(aad, error);
  }
}

/** Throws E_KEY unless `key` is a 256-bit key. */
export function assertDataKey(key: Buffer): void {
  if (!Buffer.isBuffer(key) || key.length !== DATA_KEY_BYTES) {
    throw new KdrillError('E_KEY', `data key must be ${DATA_KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}`, {
      hint: 'the wrapped data key in the manifest is damaged, or the KMS returned something else: re-run with the key that made the backup',
    });
  }
}

/** Throws E_BACKUP_CORRUPT when a sealed blob of `size` bytes is too short or carries an unknown version byte. */
export function assertSealedHeader(head: Buffer, size: number, aad: string): void {
  if (size < SEAL_OVERHEAD) throw truncatedError(aad, size);
  if (head[0] !== SEAL_VERSION) throw versionError(aad, head[0]);
}

/** E_BACKUP_CORRUPT for a sealed blob shorter than header + tag. */
export function truncatedError(aad: string, size: number): KdrillError {
  return new KdrillError('E_BACKUP_CORRUPT', `sealed data for ${aad} is truncated: ${size} bytes, at least ${SEAL_OVERHEAD} expected`, {
    hint: 'the file was cut short; restore it from another copy of the backup',
  });
}

/** E_BACKUP_CORRUPT for a sealed blob whose first byte is not a known format version. */
export function versionError(aad: string, version: number | undefined): KdrillError {
  return new KdrillError('E_BACKUP_CORRUPT', `sealed data for ${aad} has unknown format version ${version}`, {
    hint: 'the file is damaged, or was written by a newer kdrill',
  });
}

/** The one error every failed decryption becomes: GCM cannot tell a flipped bit from a wrong key, so name both. */
export function authFailure(aad: string, cause?: unknown): KdrillError {
  return new KdrillError('E_BACKUP_CORRUPT', `sealed data for ${aad} failed authentication: it was altered, or sealed with another data key`, {
    hint: 'run `kdrill backups verify` to list every damaged file; a key mismatch shows as E_KEY when the data key is unwrapped',
    cause,
  });
}
