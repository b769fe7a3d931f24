import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runResultsFixture } from '../../reporters/fixtures/run-results.js';
import { serializeResults } from '../../reporters/json.js';
import { renderMarkdown } from '../../reporters/markdown.js';
import { main } from '../main.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-report-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function capture() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  return { stdout, stderr };
}

describe('kdrill report', () => {
  it('re-renders junit.xml and report.md from results.json into --output', async () => {
    const results = join(dir, 'results.json');
    await writeFile(results, serializeResults(runResultsFixture()));
    const out = join(dir, 'rendered');
    const { stdout } = capture();
    expect(await main(['report', results, '--output', out])).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['junit.xml', 'report.md']);
    expect(stdout.join('')).toMatch(/rendered\/junit\.xml\n.*rendered\/report\.md\n/);
    // Rendering from the file gives the same report as rendering the results in memory.
    expect(await readFile(join(out, 'report.md'), 'utf8')).toBe(renderMarkdown(runResultsFixture()));
  });

  it('exits 2 with a hint for a missing file', async () => {
    const { stderr } = capture();
    expect(await main(['report', join(dir, 'nope.json')])).toBe(2);
    expect(stderr.join('')).toMatch(/cannot read .*nope\.json \(ENOENT\)\n {2}hint: pass the results\.json that `kdrill run` wrote/);
  });

  it('exits 2 naming the problem for a file that is not kdrill results', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ formatVersion: 2, scenarios: [] }));
    const { stderr } = capture();
    expect(await main(['report', bad])).toBe(2);
    expect(stderr.join('')).toContain('is not a kdrill results file: formatVersion is 2, this kdrill reads 1');
    await writeFile(bad, '{"formatVersion":');
    expect(await main(['report', bad])).toBe(2);
    expect(stderr.join('')).toContain('bad.json is not JSON');
  });
});
