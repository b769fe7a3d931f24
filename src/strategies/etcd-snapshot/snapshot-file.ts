import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { KdrillError } from '../../core/errors.js';
import { tail } from './etcd-tools.js';

/** What `etcdutl snapshot status` and the snapshot's own integrity trailer say about a snapshot file. */
export interface SnapshotFacts {
  /** etcd's hash of the key space (crc32), as `snapshot status` prints it. */
  hash: number;
  revision: number;
  totalKeys: number;
  /** Size of the bolt database inside the file. */
  dbSizeBytes: number;
  /** Size of the file itself (database plus 32-byte sha256 trailer). */
  fileSizeBytes: number;
  /** Storage version the snapshot was written with, e.g. 3.6.0. */
  storageVersion: string;
  /** The sha256 etcd appended when it saved the snapshot (hex). */
  sha256: string;
}

const TRAILER = 32;

/** Where a snapshot comes from, for messages: one just taken, or one read back from a backup. */
/** taken: kdrill just saved it; restored: read out of a kdrill backup; given: a plain snapshot file a user named. */
export type SnapshotOrigin = 'taken' | 'restored' | 'given';

/**
 * Checks a snapshot file the way `etcdutl snapshot restore` will, before anything depends on it: the sha256 trailer
 * (catches truncation and flipped bytes that `status` misses), then `etcdutl snapshot status -w json`.
 */
export async function inspectSnapshot(etcdutl: string, path: string, origin: SnapshotOrigin): Promise<SnapshotFacts> {
  const { sha256, fileSizeBytes } = await checkTrailer(path, origin);
  const result = await execa(etcdutl, ['snapshot', 'status', path, '-w', 'json'], { reject: false, timeout: 300_000 });
  if (result.exitCode !== 0 || result.failed) throw corrupt(origin, path, `etcdutl snapshot status failed: ${tail(String(result.stderr || result.message || ''))}`);
  const status = parseStatus(result.stdout, origin, path);
  return { ...status, fileSizeBytes, sha256 };
}

/** Verifies the sha256 trailer etcd writes after the bolt database (the file is 512-byte pages plus 32 bytes). */
export async function checkTrailer(path: string, origin: SnapshotOrigin): Promise<{ sha256: string; fileSizeBytes: number }> {
  const size = (await stat(path)).size;
  if (size < 512 + TRAILER || size % 512 !== TRAILER) {
    throw corrupt(origin, path, `${size} bytes is not whole 512-byte pages plus etcd's 32-byte sha256 trailer: the file is truncated or not an etcd snapshot`);
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { start: 0, end: size - TRAILER - 1 })) hash.update(chunk as Buffer);
  const actual = hash.digest();
  const expected = Buffer.alloc(TRAILER);
  const handle = await open(path, 'r');
  try {
    await handle.read(expected, 0, TRAILER, size - TRAILER);
  } finally {
    await handle.close();
  }
  if (!actual.equals(expected)) throw corrupt(origin, path, `its sha256 ${actual.toString('hex').slice(0, 12)}… differs from the trailer ${expected.toString('hex').slice(0, 12)}… etcd wrote when saving it`);
  return { sha256: actual.toString('hex'), fileSizeBytes: size };
}

function parseStatus(stdout: string, origin: SnapshotOrigin, path: string): Omit<SnapshotFacts, 'sha256' | 'fileSizeBytes'> {
  let raw: { hash?: unknown; revision?: unknown; totalKey?: unknown; totalSize?: unknown; version?: unknown };
  try {
    raw = JSON.parse(stdout.trim()) as typeof raw;
  } catch {
    throw corrupt(origin, path, `etcdutl snapshot status printed no JSON: ${tail(stdout)}`);
  }
  const numbers = [raw.hash, raw.revision, raw.totalKey, raw.totalSize];
  if (!numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) throw corrupt(origin, path, 'etcdutl snapshot status lacks hash, revision, totalKey or totalSize');
  return {
    hash: raw.hash as number,
    revision: raw.revision as number,
    totalKeys: raw.totalKey as number,
    dbSizeBytes: raw.totalSize as number,
    storageVersion: typeof raw.version === 'string' ? raw.version : 'unknown',
  };
}

function corrupt(origin: SnapshotOrigin, path: string, why: string): KdrillError {
  if (origin === 'taken') {
    return new KdrillError('E_BACKUP_CORRUPT', `the etcd snapshot just taken (${path}) is unusable: ${why}`, {
      hint: 'nothing was stored; check etcd health and free disk space in the work dir, then run the backup again',
    });
  }
  if (origin === 'given') {
    return new KdrillError('E_BACKUP_CORRUPT', `etcd snapshot ${path} is unusable: ${why}`, {
      hint: 'nothing was started; check the file with `etcdutl snapshot status FILE` and point backup.from.etcdSnapshot at an intact snapshot',
    });
  }
  return new KdrillError('E_BACKUP_CORRUPT', `the backup's etcd snapshot is unusable: ${why}`, {
    hint: 'the cluster was not touched; run `kdrill backups verify` and restore from another backup',
  });
}
