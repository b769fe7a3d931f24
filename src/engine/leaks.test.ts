import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCanaries } from './leaks.js';

describe('findCanaries (the post-report scan)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdrill-leaks-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file and offset of a plain or base64 canary, never the value, and skips missing files', async () => {
    const canary = 'kdrill-canary-0123456789abcdef';
    await writeFile(join(dir, 'report.md'), `# report\n\nvalue: ${canary}\n`);
    await writeFile(join(dir, 'junit.xml'), `<x>${Buffer.from(canary).toString('base64')}</x>`);
    await writeFile(join(dir, 'results.json'), '{"ok":true}');
    const leaks = await findCanaries(['report.md', 'junit.xml', 'results.json', 'missing.log'].map((f) => join(dir, f)), [canary]);
    expect(leaks).toEqual(expect.arrayContaining([expect.stringMatching(/junit\.xml at byte 3 \(base64\)$/), expect.stringMatching(/report\.md at byte 17 \(plain\)$/)]));
    expect(leaks).toHaveLength(2);
    expect(leaks.join('\n')).not.toContain(canary);
  });

  it('finds nothing in clean files', async () => {
    await writeFile(join(dir, 'report.md'), 'nothing secret');
    expect(await findCanaries([join(dir, 'report.md')], ['kdrill-canary-ffffffffffff'])).toEqual([]);
  });
});
