import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileTimestamp, writeResultFile, type ResultFile } from './results.js';

describe('results files', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('uses a file-name-safe UTC timestamp', () => {
    expect(fileTimestamp(new Date('2025-11-25T12:04:34.567Z'))).toBe('2025-11-25T12-04-34Z');
  });

  it('writes <suite>-<timestamp>.json holding the whole result', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bench-results-'));
    const result = { formatVersion: 1, suite: 'cluster', startedAt: '2025-11-25T12:04:34.000Z', tables: [], notes: ['n'], data: { x: 1 } } as unknown as ResultFile;
    const path = await writeResultFile(result, dir);
    expect(path).toBe(join(dir, 'cluster-2025-11-25T12-04-34Z.json'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(result);
  });
});
