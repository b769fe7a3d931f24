import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { KdrillError } from '../core/errors.js';
import { SEAL_OVERHEAD, generateDataKey, open, seal } from './envelope.js';
import { createOpener, createSealer } from './envelope-stream.js';

const AAD = '20261125T120000Z-ab12cd/resources/v1/secrets.json';
const plaintext = Buffer.from('apiVersion: v1\nkind: Secret\ndata: {password: aHVudGVyMg==}\n');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof KdrillError ? error.code : `not a KdrillError: ${String(error)}`;
  }
  return undefined;
}

describe('seal/open', () => {
  it('round-trips with the documented layout and a fresh nonce each time', () => {
    const key = generateDataKey();
    const a = seal(key, plaintext, AAD);
    const b = seal(key, plaintext, AAD);
    expect(key).toHaveLength(32);
    expect(a).toHaveLength(plaintext.length + SEAL_OVERHEAD);
    expect(a[0]).toBe(1);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(open(key, a, AAD).equals(plaintext)).toBe(true);
    expect(a.includes(plaintext.subarray(0, 12))).toBe(false);
  });

  it('rejects every flipped byte (header, nonce, body, tag) with E_BACKUP_CORRUPT', () => {
    const key = generateDataKey();
    const sealed = seal(key, plaintext, AAD);
    const failures = [...sealed.keys()].filter((i) => {
      const copy = Buffer.from(sealed);
      copy[i] = copy[i]! ^ 0x01;
      return codeOf(() => open(key, copy, AAD)) === 'E_BACKUP_CORRUPT';
    });
    expect(failures).toHaveLength(sealed.length);
  });

  it('rejects a wrong AAD, a wrong key, and truncation', () => {
    const key = generateDataKey();
    const sealed = seal(key, plaintext, AAD);
    expect(codeOf(() => open(key, sealed, AAD + 'x'))).toBe('E_BACKUP_CORRUPT');
    expect(codeOf(() => open(generateDataKey(), sealed, AAD))).toBe('E_BACKUP_CORRUPT');
    expect(codeOf(() => open(key, sealed.subarray(0, sealed.length - 1), AAD))).toBe('E_BACKUP_CORRUPT');
    expect(codeOf(() => open(key, sealed.subarray(0, 20), AAD))).toBe('E_BACKUP_CORRUPT');
    expect(codeOf(() => open(key.subarray(0, 16), sealed, AAD))).toBe('E_KEY');
  });

  it('names the object but never the plaintext in its error', () => {
    const key = generateDataKey();
    const sealed = seal(key, plaintext, AAD);
    sealed[20] = sealed[20]! ^ 0xff;
    const error = (() => {
      try {
        open(key, sealed, AAD);
      } catch (e) {
        return e as KdrillError;
      }
    })();
    expect(error?.message).toContain(AAD);
    expect(error?.message).not.toContain('Secret');
  });
});

describe('stream sealer/opener', () => {
  const big = Buffer.alloc(300_000, 7);
  const chunks = (data: Buffer, size: number) => Readable.from([...Array(Math.ceil(data.length / size)).keys()].map((i) => data.subarray(i * size, (i + 1) * size)));

  it('is byte-compatible with seal/open in both directions, whatever the chunking', async () => {
    const key = generateDataKey();
    const streamed = await buffer(chunks(big, 7_777).pipe(createSealer(key, AAD)));
    expect(streamed).toHaveLength(big.length + SEAL_OVERHEAD);
    expect(open(key, streamed, AAD).equals(big)).toBe(true);
    const opened = await buffer(chunks(seal(key, big, AAD), 5).pipe(createOpener(key, AAD)));
    expect(opened.equals(big)).toBe(true);
  });

  it('seals an empty stream and opens it back to nothing', async () => {
    const key = generateDataKey();
    const sealed = await buffer(Readable.from([]).pipe(createSealer(key, AAD)));
    expect(sealed).toHaveLength(SEAL_OVERHEAD);
    expect(await buffer(Readable.from([sealed]).pipe(createOpener(key, AAD)))).toHaveLength(0);
  });

  it('fails the stream on a flipped byte, a wrong key or truncation', async () => {
    const key = generateDataKey();
    const sealed = seal(key, big, AAD);
    const flipped = Buffer.from(sealed);
    flipped[150_000] = flipped[150_000]! ^ 0x10;
    const attempt = (data: Buffer, k = key) => buffer(Readable.from([data]).pipe(createOpener(k, AAD)));
    await expect(attempt(flipped)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });
    await expect(attempt(sealed, generateDataKey())).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });
    await expect(attempt(sealed.subarray(0, 20))).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /truncated|authentication/ });
    await expect(attempt(sealed.subarray(0, 10))).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /truncated/ });
  });
});
