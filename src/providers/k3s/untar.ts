import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { KdrillError } from '../../core/errors.js';

const BLOCK = 512;

/**
 * Stream the first regular file of a tar archive (what Docker's archive endpoint returns for one path) to `destPath`
 * (mode 0600) without buffering it: etcd snapshots can be gigabytes. Handles ustar, GNU base-256 sizes and PAX size
 * records. Returns the file's size in bytes.
 */
export async function extractFirstFile(archive: AsyncIterable<Buffer | string>, destPath: string): Promise<number> {
  const reader = new BlockReader(archive[Symbol.asyncIterator]());
  let paxSize: number | undefined;
  for (;;) {
    const header = await reader.take(BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const type = String.fromCharCode(header[156] ?? 0);
    const size = paxSize ?? parseSize(header.subarray(124, 136));
    paxSize = undefined;
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === '0' || type === '\0') {
      await writeEntry(reader, size, destPath);
      return size;
    }
    if (type === 'x') paxSize = parsePaxSize(await reader.take(size));
    else await reader.skip(size);
    await reader.skip(padding);
  }
  throw new KdrillError('E_COMMAND', 'the archive from the container holds no regular file', {
    hint: 'the path copied out of the container is a directory or a link: report this as a kdrill bug',
  });
}

/** Size field of a tar header: NUL/space-terminated octal, or GNU base-256 when the high bit is set. */
export function parseSize(field: Buffer): number {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = field.toString('ascii').replace(/[\0 ]+$/g, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function parsePaxSize(records: Buffer): number | undefined {
  const match = /(?:^|\n)\d+ size=(\d+)\n/.exec(records.toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

async function writeEntry(reader: BlockReader, size: number, destPath: string): Promise<void> {
  const out = createWriteStream(destPath, { mode: 0o600 });
  try {
    for await (const chunk of reader.stream(size)) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await finished(out);
  }
}

/** Reads exact byte counts from an async iterator of chunks. */
class BlockReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;

  constructor(private readonly source: AsyncIterator<Buffer | string>) {}

  async take(count: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.stream(count)) parts.push(chunk);
    return Buffer.concat(parts);
  }

  async skip(count: number): Promise<void> {
    for await (const _chunk of this.stream(count)) {
      // Discarded on purpose: entries before the file (PAX globals, directories).
    }
  }

  async *stream(count: number): AsyncGenerator<Buffer> {
    let left = count;
    while (left > 0) {
      if (this.length === 0) await this.fill();
      const head = this.chunks.shift();
      if (!head) throw new KdrillError('E_COMMAND', 'the archive from the container ended early', { hint: 'retry; the container may have stopped during the copy' });
      const part = head.length > left ? head.subarray(0, left) : head;
      if (head.length > left) this.chunks.unshift(head.subarray(left));
      this.length -= part.length;
      left -= part.length;
      yield part;
    }
  }

  private async fill(): Promise<void> {
    while (this.length === 0 && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        return;
      }
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'binary') : next.value;
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
  }
}
