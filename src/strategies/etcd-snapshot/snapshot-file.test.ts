import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTrailer, inspectSnapshot } from './snapshot-file.js';

/** A file shaped like an etcd snapshot: `pages` 512-byte pages plus the sha256 of those pages. */
function fakeSnapshot(pages: number): Buffer {
  const body = Buffer.alloc(pages * 512);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31) % 251;
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

async function fakeEtcdutl(dir: string, name: string, script: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${script}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('snapshot file checks', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdrill-snapfile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a file whose sha256 trailer matches and returns that hash', async () => {
    const data = fakeSnapshot(3);
    await writeFile(join(dir, 'ok.db'), data);
    const result = await checkTrailer(join(dir, 'ok.db'), 'taken');
    expect(result).toEqual({ sha256: createHash('sha256').update(data.subarray(0, 1536)).digest('hex'), fileSizeBytes: 1568 });
  });

  it('rejects a truncated file and a file with one flipped byte as E_BACKUP_CORRUPT', async () => {
    await writeFile(join(dir, 'cut.db'), fakeSnapshot(3));
    await truncate(join(dir, 'cut.db'), 1568 - 100);
    await expect(checkTrailer(join(dir, 'cut.db'), 'restored')).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: expect.stringContaining('truncated') });
    const flipped = fakeSnapshot(3);
    flipped[700] = flipped[700]! ^ 0xff;
    await writeFile(join(dir, 'flip.db'), flipped);
    await expect(checkTrailer(join(dir, 'flip.db'), 'restored')).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: expect.stringContaining('differs from the trailer') });
  });

  it('reads hash, revision, keys and sizes from etcdutl snapshot status', async () => {
    await writeFile(join(dir, 'status.db'), fakeSnapshot(2));
    const etcdutl = await fakeEtcdutl(dir, 'etcdutl-ok', `echo '{"hash":550202954,"revision":201,"totalKey":200,"totalSize":1024,"version":"3.6.0"}'`);
    const facts = await inspectSnapshot(etcdutl, join(dir, 'status.db'), 'taken');
    expect(facts).toMatchObject({ hash: 550202954, revision: 201, totalKeys: 200, dbSizeBytes: 1024, fileSizeBytes: 1056, storageVersion: '3.6.0' });
    expect(facts.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('turns a failing status into E_BACKUP_CORRUPT that names etcdutl\'s error line', async () => {
    await writeFile(join(dir, 'bad.db'), fakeSnapshot(2));
    const etcdutl = await fakeEtcdutl(dir, 'etcdutl-bad', `echo 'goroutine 1' >&2; echo 'panic: invalid page type' >&2; echo 'more trace' >&2; exit 2`);
    await expect(inspectSnapshot(etcdutl, join(dir, 'bad.db'), 'taken')).rejects.toMatchObject({
      code: 'E_BACKUP_CORRUPT',
      message: expect.stringContaining('panic: invalid page type'),
      hint: expect.stringContaining('nothing was stored'),
    });
  });
});
