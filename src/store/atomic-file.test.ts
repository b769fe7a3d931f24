import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KdrillError } from '../core/errors.js';
import { writeStreamAtomic } from './atomic-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-atomic-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('writeStreamAtomic', () => {
  it('turns a source that fails before the write starts into a rejection, not an unhandled stream error', async () => {
    // The verifier of a small damaged artifact fails while the target folder is still being created.
    const source = new PassThrough();
    process.nextTick(() => source.destroy(new KdrillError('E_BACKUP_CORRUPT', 'material/ca.key is corrupt: sha256 differs')));
    const target = join(dir, 'a', 'b', 'c', 'd', 'out.key');
    await expect(writeStreamAtomic(target, source)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });
    expect(await readdir(join(dir, 'a', 'b', 'c', 'd'))).toEqual([]);
  });
});
