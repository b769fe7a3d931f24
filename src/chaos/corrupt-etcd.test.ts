import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overwriteRange, truncateNewestWal } from './corrupt-etcd.js';
import { failureReason } from '../core/failure-reason.js';

describe('corrupt-etcd file damage', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdrill-corrupt-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('overwrites exactly the asked range, clipped to the file', async () => {
    const db = join(dir, 'db');
    await writeFile(db, Buffer.alloc(10_000, 0));
    expect(await overwriteRange(db, 9_000, 4_096)).toEqual({ offset: 9_000, bytes: 1_000, size: 10_000 });
    const data = await readFile(db);
    expect(data.length).toBe(10_000);
    expect(data.subarray(0, 9_000).every((b) => b === 0)).toBe(true);
    // 1000 random bytes are all zero with negligible probability.
    expect(data.subarray(9_000).some((b) => b !== 0)).toBe(true);
    await expect(overwriteRange(db, 10_000, 1)).rejects.toThrow('past the end');
  });

  it('truncates only the newest WAL segment', async () => {
    const wal = join(dir, 'wal');
    await mkdir(wal);
    await writeFile(join(wal, '0000000000000000-0000000000000000.wal'), Buffer.alloc(500, 1));
    await writeFile(join(wal, '0000000000000001-0000000000000123.wal'), Buffer.alloc(700, 1));
    await writeFile(join(wal, '0.tmp'), Buffer.alloc(900, 1));
    expect(await truncateNewestWal(wal, 8)).toEqual({ file: '0000000000000001-0000000000000123.wal', fromBytes: 700, toBytes: 8 });
    expect((await stat(join(wal, '0000000000000000-0000000000000000.wal'))).size).toBe(500);
  });

  it('picks the telling line of a failed start, readable from etcd\'s JSON log', () => {
    const message = 'etcd of cluster t exited; last log lines:\n{"level":"info","msg":"starting"}\n{"level":"panic","msg":"failed to open database","error":"invalid database"}';
    expect(failureReason(new Error(message))).toBe('failed to open database: invalid database');
    expect(failureReason(new Error('etcd of cluster t was not healthy after 20s'))).toBe('etcd of cluster t was not healthy after 20s');
  });
});
