import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFirstFile, parseSize } from './untar.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-untar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Feed a buffer in irregular chunk sizes so header and data boundaries fall mid-chunk. */
async function* chunked(data: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let offset = 0;
  let i = 0;
  while (offset < data.length) {
    const size = sizes[i++ % sizes.length] ?? 512;
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

async function tarOf(name: string, content: Buffer, format: string): Promise<Buffer> {
  const src = join(dir, `src-${format}`);
  await mkdir(src, { recursive: true });
  await writeFile(join(src, name), content);
  const archive = join(dir, `${format}.tar`);
  await execa('tar', [`--format=${format}`, '-cf', archive, '-C', src, name]);
  return readFile(archive);
}

describe('extractFirstFile', () => {
  it.each(['ustar', 'gnu', 'pax'])('extracts the one file of a %s archive byte for byte, in odd chunk sizes', async (format) => {
    const content = randomBytes(3 * 1024 * 1024 + 123);
    const name = format === 'ustar' ? 'snap.db' : `on-demand-${'x'.repeat(120)}.db`;
    const archive = await tarOf(name, content, format);
    const dest = join(dir, `out-${format}.db`);
    const size = await extractFirstFile(chunked(archive, [7, 511, 4096, 65_537]), dest);
    expect(size).toBe(content.length);
    expect((await readFile(dest)).equals(content)).toBe(true);
    expect((await stat(dest)).mode & 0o777).toBe(0o600);
  });

  it('extracts an empty file', async () => {
    const archive = await tarOf('empty.db', Buffer.alloc(0), 'ustar');
    const dest = join(dir, 'empty.db');
    expect(await extractFirstFile(chunked(archive, [100]), dest)).toBe(0);
    expect((await stat(dest)).size).toBe(0);
  });

  it('fails on a truncated archive and on an archive without a file', async () => {
    const archive = await tarOf('cut.db', randomBytes(5000), 'ustar');
    await expect(extractFirstFile(chunked(archive.subarray(0, 2000), [300]), join(dir, 'cut.db'))).rejects.toThrow(/ended early/);
    await expect(extractFirstFile(chunked(Buffer.alloc(1024), [512]), join(dir, 'none.db'))).rejects.toThrow(/no regular file/);
  });

  it('parses octal and GNU base-256 size fields', () => {
    expect(parseSize(Buffer.from('00000001750\0', 'ascii'))).toBe(1000);
    const big = Buffer.alloc(12);
    big[0] = 0x80;
    big.writeUIntBE(9 * 1024 ** 3, 6, 6);
    expect(parseSize(big)).toBe(9 * 1024 ** 3);
  });
});
