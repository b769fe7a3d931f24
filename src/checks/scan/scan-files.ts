import { createReadStream } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Needle } from './needles.js';
import { scanChunks, type StreamHit } from './scan-stream.js';

/** A hit in a file; `encoding: 'gzip'` means the offset is in the decompressed content. */
export interface FileHit extends StreamHit {
  file: string;
  encoding?: 'gzip';
}

export interface ScanReport {
  files: number;
  bytes: number;
  hits: FileHit[];
  /** Roots that did not exist (not an error: a run may not have written logs yet). */
  missing: string[];
  /** Files that could not be read (permissions, vanished mid-scan). */
  unreadable: string[];
}

/** Every regular file under the given files or directories, each once (by real path), sorted. */
export async function collectFiles(roots: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files = new Set<string>();
  const missing: string[] = [];
  const visit = async (path: string, root = false): Promise<void> => {
    const link = root ? await stat(path).catch(() => undefined) : await lstat(path).catch(() => undefined);
    // Linked files are scanned (once, by real path); linked directories are not followed, so a loop cannot hang the scan.
    const info = link?.isSymbolicLink() ? await stat(path).catch(() => undefined) : link;
    if (info?.isFile()) files.add(await realpath(path));
    else if (info?.isDirectory() && !link?.isSymbolicLink()) for (const entry of await readdir(path)) await visit(join(path, entry));
  };
  for (const root of roots) {
    if (!(await stat(root).catch(() => undefined))) missing.push(root);
    else await visit(root, true);
  }
  return { files: [...files].sort(), missing };
}

/** Scan files in chunks of `chunkSize` bytes; gzip files are scanned both as stored and decompressed. */
export async function scanFiles(files: readonly string[], needles: readonly Needle[], chunkSize = 1 << 20): Promise<ScanReport> {
  const report: ScanReport = { files: 0, bytes: 0, hits: [], missing: [], unreadable: [] };
  for (const file of files) {
    try {
      const raw = await scanChunks(createReadStream(file, { highWaterMark: chunkSize }), needles);
      report.files++;
      report.bytes += raw.bytes;
      report.hits.push(...raw.hits.map((h) => ({ ...h, file })));
      if (await isGzip(file)) {
        const inflated = await scanChunks(createReadStream(file, { highWaterMark: chunkSize }).pipe(createGunzip({ chunkSize: Math.max(64, chunkSize) })), needles).catch(() => undefined);
        report.hits.push(...(inflated?.hits ?? []).map((h) => ({ ...h, file, encoding: 'gzip' as const })));
      }
    } catch {
      report.unreadable.push(file);
    }
  }
  return report;
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
