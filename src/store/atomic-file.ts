import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Owner-only modes for everything kdrill writes next to backups and keys. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Creates `dir` (and parents) owner-only. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/** A temp path beside `path`, so the final rename stays on one file system. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.tmp-${randomBytes(6).toString('hex')}`);
}

/**
 * Writes `data` to a temp file, fsyncs, and renames it over `path`: readers see the old file or the new one.
 * `mode` is owner-only unless a caller must share the file (a metrics file another user's exporter reads).
 */
export async function writeFileAtomic(path: string, data: Buffer | string, mode = FILE_MODE): Promise<void> {
  const temp = await writeTemp(path, data, mode);
  try {
    await rename(temp, path);
    await fsyncDir(dirname(path));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Like `writeFileAtomic`, but fails with EEXIST instead of replacing an existing `path`. */
export async function createFileExclusive(path: string, data: Buffer | string, mode = FILE_MODE): Promise<void> {
  const temp = await writeTemp(path, data, mode);
  try {
    // link() refuses an existing target atomically, where rename() would replace it.
    await link(temp, path);
    await fsyncDir(dirname(path));
  } finally {
    await rm(temp, { force: true });
  }
}

/** Streams `source` into `path` atomically (temp + fsync + rename); `source` may be a pipeline of transforms. */
export async function writeStreamAtomic(path: string, source: Readable | NodeJS.ReadableStream): Promise<void> {
  // `source` may already flow (a chain of pipes) and fail before the pipeline below listens: an 'error' event with no
  // listener would crash the process, so hold the first error from now on and report it as this write's failure.
  let early: unknown;
  const hold = (error: unknown) => (early ??= error);
  source.on('error', hold);
  const temp = tempPathFor(path);
  try {
    await ensureDir(dirname(path));
    if (early !== undefined) throw early;
    await pipeline(source, createWriteStream(temp, { flags: 'wx', mode: FILE_MODE }));
    await fsyncFile(temp);
    await rename(temp, path);
    await fsyncDir(dirname(path));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    source.removeListener('error', hold);
  }
}

/** Flushes a directory entry (a rename is durable only once its directory is synced). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeTemp(path: string, data: Buffer | string, mode: number): Promise<string> {
  await ensureDir(dirname(path));
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx', mode);
  try {
    // open()'s mode is filtered by the umask; chmod makes a shared mode (0644) exact.
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
