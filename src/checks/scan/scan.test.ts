import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillContext } from '../../contracts/types.js';
import { noPlaintextSecrets } from '../no-plaintext-secrets.js';
import { base64Cores, canaryNeedles } from './needles.js';
import { collectFiles, scanFiles } from './scan-files.js';
import { scanChunks } from './scan-stream.js';

const CANARY = 'kdrill-canary-7f3a9c2e';
const OTHER = 'second-canary-value-41';

async function* chunksOf(data: Buffer, size: number) {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('canaryNeedles', () => {
  it('finds a canary base64-encoded at any offset inside a larger value', () => {
    const { needles } = canaryNeedles([CANARY]);
    for (const prefix of ['', 'a', 'ab', 'password=', 'x'.repeat(10)]) {
      for (const suffix of ['', '\n', 'zz']) {
        const encoded = Buffer.from(prefix + CANARY + suffix).toString('base64');
        const found = needles.some((n) => n.form === 'base64' && Buffer.from(encoded).includes(n.bytes));
        expect(found, `prefix "${prefix}" suffix "${JSON.stringify(suffix)}"`).toBe(true);
      }
    }
  });

  it('has cores that are substrings of the plain encoding and skips short canaries', () => {
    expect(Buffer.from(CANARY).toString('base64').startsWith(base64Cores(Buffer.from(CANARY))[0]!)).toBe(true);
    const r = canaryNeedles(['abc', CANARY]);
    expect(r.tooShort).toEqual([0]);
    // Without + or / in its encoding the base64url form is the same bytes: searched once.
    expect(new Set(r.needles.map((n) => n.form))).toEqual(new Set(['plain', 'base64']));
    expect(r.needles.every((n) => n.canary === 1)).toBe(true);
  });

  it('finds the base64url form of a canary whose encoding has + or /', () => {
    const canary = 'tok???>>>~~~end';
    const url = Buffer.from(`x${canary}`).toString('base64url');
    expect(url).toMatch(/[-_]/);
    const { needles } = canaryNeedles([canary]);
    expect(needles.filter((n) => Buffer.from(url).includes(n.bytes)).map((n) => n.form)).toEqual(['base64url']);
  });
});

describe('scanChunks', () => {
  const { needles } = canaryNeedles([CANARY, OTHER]);

  it('finds a match that straddles a chunk boundary exactly once, at the right offset', async () => {
    const data = Buffer.from(`${'.'.repeat(29)}${CANARY}${'.'.repeat(40)}`);
    for (const size of [7, 16, 30, 1000]) {
      const r = await scanChunks(chunksOf(data, size), needles);
      expect(r.bytes).toBe(data.length);
      expect(r.hits, `chunk ${size}`).toEqual([{ offset: 29, canary: 0, form: 'plain' }]);
    }
  });

  it('reports every occurrence of several canaries and forms', async () => {
    const b64 = Buffer.from(`user=admin\npassword=${OTHER}`).toString('base64');
    const data = Buffer.from(`${CANARY} and ${b64} and ${CANARY}`);
    const r = await scanChunks(chunksOf(data, 8), needles);
    expect(r.hits.map((h) => [h.canary, h.form])).toEqual([
      [0, 'plain'],
      [1, 'base64'],
      [0, 'plain'],
    ]);
    expect(r.hits[2]!.offset).toBe(data.length - CANARY.length);
  });
});

describe('scanning files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdrill-scan-'));
    await mkdir(join(dir, 'store/b1'), { recursive: true });
    await mkdir(join(dir, 'reports'), { recursive: true });
    await writeFile(join(dir, 'store/b1/secrets.json.sealed'), Buffer.concat([Buffer.alloc(100, 7), Buffer.from(Buffer.from(CANARY).toString('base64'))]));
    await writeFile(join(dir, 'store/b1/clean.bin'), Buffer.alloc(5000, 1));
    await writeFile(join(dir, 'store/b1/export.json.gz'), gzipSync(Buffer.from(`{"password":"${OTHER}"}`)));
    await writeFile(join(dir, 'reports/report.md'), `# report\nall good\n`);
    await symlink(join(dir, 'store'), join(dir, 'reports/loop'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('collects each file once, ignores linked directories, and lists missing roots', async () => {
    const { files, missing } = await collectFiles([join(dir, 'store'), join(dir, 'reports'), join(dir, 'store/b1/clean.bin'), join(dir, 'nope')]);
    expect(files.map((f) => f.slice(f.indexOf('kdrill-scan-')).split('/').slice(1).join('/'))).toEqual([
      'reports/report.md',
      'store/b1/clean.bin',
      'store/b1/export.json.gz',
      'store/b1/secrets.json.sealed',
    ]);
    expect(missing).toEqual([join(dir, 'nope')]);
  });

  it('finds a base64 canary in a "sealed" file and a plaintext one inside gzip', async () => {
    const { files } = await collectFiles([dir]);
    const r = await scanFiles(files, canaryNeedles([CANARY, OTHER]).needles, 64);
    expect(r.files).toBe(4);
    expect(r.hits.map((h) => ({ file: h.file.split('/').pop(), offset: h.offset, canary: h.canary, form: h.form, encoding: h.encoding }))).toEqual([
      { file: 'export.json.gz', offset: 13, canary: 1, form: 'plain', encoding: 'gzip' },
      { file: 'secrets.json.sealed', offset: 100, canary: 0, form: 'base64', encoding: undefined },
    ]);
  });

  it('runs as a check: fails with file and offset but never the value, passes on a clean tree', async () => {
    const ctx = {
      canaries: [CANARY, OTHER],
      store: { type: 'local', describe: () => join(dir, 'store') },
      artifactsDir: join(dir, 'reports'),
      audit: { path: undefined },
      scenarioDir: dir,
    } as unknown as DrillContext;
    const failed = await noPlaintextSecrets.verify(ctx, { chunkSize: 64 }, undefined);
    expect(failed.status).toBe('failed');
    expect(failed.summary).toMatch(/^2 canary hit\(s\) in 2 file\(s\)/);
    const text = JSON.stringify(failed);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(OTHER);
    expect(text).not.toContain(Buffer.from(CANARY).toString('base64').slice(0, 12));
    const passed = await noPlaintextSecrets.verify(ctx, { includeStore: false }, undefined);
    expect(passed.status).toBe('passed');
    expect(passed.evidence?.scanned).toEqual({ files: 1, bytes: 18, canaries: 2, canariesTooShort: 0 });
    const none = await noPlaintextSecrets.verify({ ...ctx, canaries: [] } as DrillContext, {}, undefined);
    expect(none.status).toBe('skipped');
  });
});
