import type { Needle, NeedleForm } from './needles.js';

/** Where a canary was found: byte offset in the (decompressed, when noted) stream; never the bytes themselves. */
export interface StreamHit {
  offset: number;
  canary: number;
  form: NeedleForm;
}

/**
 * Search a stream of chunks for every needle. The last (longest needle - 1) bytes of each chunk are carried into the
 * next search, so a match that straddles a chunk boundary is found, and found once.
 */
export async function scanChunks(chunks: AsyncIterable<Buffer>, needles: readonly Needle[]): Promise<{ bytes: number; hits: StreamHit[] }> {
  const overlap = Math.max(0, ...needles.map((n) => n.bytes.length)) - 1;
  const hits: StreamHit[] = [];
  let carry = Buffer.alloc(0);
  let consumed = 0;
  for await (const chunk of chunks) {
    const window = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const windowStart = consumed - carry.length;
    for (const needle of needles) {
      for (let at = window.indexOf(needle.bytes); at >= 0; at = window.indexOf(needle.bytes, at + 1)) {
        // A match that ends inside the carried bytes was already reported by the previous window.
        if (at + needle.bytes.length <= carry.length) continue;
        hits.push({ offset: windowStart + at, canary: needle.canary, form: needle.form });
      }
    }
    consumed += chunk.length;
    carry = overlap > 0 ? Buffer.from(window.subarray(Math.max(0, window.length - overlap))) : Buffer.alloc(0);
  }
  return { bytes: consumed, hits: hits.sort((a, b) => a.offset - b.offset) };
}
