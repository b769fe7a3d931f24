import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSensitive, registerSensitive } from '../core/redact.js';
import type { RunResults } from '../contracts/types.js';
import { CANARY, runResultsFixture } from './fixtures/run-results.js';
import { serializeResults } from './json.js';
import { REPORTERS, renderAll } from './registry.js';

let dir: string;
beforeAll(async () => {
  registerSensitive(CANARY);
  dir = await mkdtemp(join(tmpdir(), 'kdrill-reporters-'));
});
afterAll(async () => {
  clearSensitive();
  await rm(dir, { recursive: true, force: true });
});

describe('REPORTERS', () => {
  it('registers one reporter per file, under its id', async () => {
    const files = (await readdir(import.meta.dirname)).filter((f) => /^[a-z]+\.ts$/.test(f) && !['format.ts', 'advice.ts', 'mermaid.ts', 'registry.ts'].includes(f));
    expect(Object.keys(REPORTERS).sort()).toEqual(files.map((f) => basename(f, '.ts')).sort());
    for (const [id, reporter] of Object.entries(REPORTERS)) expect(reporter.id).toBe(id);
  });
});

describe('renderAll', () => {
  it('writes every report and never the canary, nor its base64', async () => {
    const paths = await renderAll(runResultsFixture(), join(dir, 'out'));
    expect(paths.map((p) => basename(p))).toEqual(['results.json', 'junit.xml', 'report.md']);
    const base64 = Buffer.from(CANARY).toString('base64');
    for (const path of paths) {
      const text = await readFile(path, 'utf8');
      expect(text.length).toBeGreaterThan(1000);
      expect(text, path).not.toContain(CANARY);
      expect(text, path).not.toContain(base64);
      expect(text, path).toContain('«redacted»');
    }
  });

  it('refuses an unknown reporter id', async () => {
    await expect(renderAll(runResultsFixture(), join(dir, 'x'), ['pdf'])).rejects.toMatchObject({ code: 'E_UNKNOWN_PLUGIN' });
  });
});

/** The same data with keys inserted in reverse order at every depth, except the top of check evidence (the check's own order counts). */
function reverseKeys(value: unknown, keepOrder = false): unknown {
  if (Array.isArray(value)) return value.map((v) => reverseKeys(v));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  return Object.fromEntries((keepOrder ? entries : entries.reverse()).map(([k, v]) => [k, reverseKeys(v, k === 'evidence')]));
}

describe('results.json', () => {
  it('is stable: contract key order, sorted free-form maps, 2-space indent', () => {
    const results = runResultsFixture();
    // The same data built with keys inserted in reverse order, at every depth, must serialize to the same bytes.
    expect(serializeResults(reverseKeys(results) as RunResults)).toBe(serializeResults(results));
    const text = serializeResults(results);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['formatVersion', 'runId', 'kdrillVersion', 'startedAt', 'finishedAt', 'verdict', 'invocation', 'scenarios']);
    // Evidence keeps the check's own top-level order (findings before samples); deeper maps are sorted.
    const withOrder = runResultsFixture();
    withOrder.scenarios[1]!.checks[0]!.evidence = { missing: [], accessReview: { z: 1, a: 2 } };
    const evidence = (JSON.parse(serializeResults(withOrder)) as RunResults).scenarios[1]!.checks[0]!.evidence!;
    expect(Object.keys(evidence)).toEqual(['missing', 'accessReview']);
    expect(Object.keys(evidence.accessReview as object)).toEqual(['a', 'z']);
    expect(text.split('\n')[1]).toBe('  "formatVersion": 1,');
    const metadata = (JSON.parse(text) as RunResults).scenarios[0]!.backup!.metadata;
    expect(Object.keys(metadata)).toEqual(['canaryRef', 'encrypted', 'revision']);
    expect(metadata.canaryRef).toBe('«redacted»');
  });

  it('round-trips everything except redacted values', () => {
    const parsed = JSON.parse(serializeResults(runResultsFixture())) as RunResults;
    expect(parsed.scenarios[1]!.objectives[0]).toEqual(runResultsFixture().scenarios[1]!.objectives[0]);
    expect(parsed.scenarios[1]!.timeline).toHaveLength(17);
  });
});
