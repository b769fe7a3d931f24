import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runResultsFixture } from '../reporters/fixtures/run-results.js';
import type { RunResults } from '../contracts/types.js';
import { parseExposition, type MetricFamily } from './exposition.js';
import { writeMetricsFile } from './metrics-file.js';

const BASE = Date.parse('2025-03-01T12:00:00.000Z') / 1000;
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-metrics-'));
  file = join(dir, 'kdrill.prom');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `metric{labels}` → value, for every sample of the file. */
async function values(): Promise<Map<string, number>> {
  const families: MetricFamily[] = parseExposition(await readFile(file, 'utf8'));
  return new Map(families.flatMap((f) => f.samples.map((s) => [`${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',')}}`, s.value] as const)));
}

/** The fixture run moved `offsetS` seconds later, with secret-wipe's verdict set. */
function laterRun(offsetS: number, secretWipe: 'passed' | 'failed', only?: string): RunResults {
  const results = runResultsFixture();
  for (const s of results.scenarios) s.finishedAt = new Date(Date.parse(s.finishedAt) + offsetS * 1000).toISOString();
  results.scenarios[1]!.verdict = secretWipe;
  if (only) results.scenarios = results.scenarios.filter((s) => s.name === only);
  return results;
}

describe('metrics file (node-exporter textfile format)', () => {
  it('publishes every gauge per scenario with the figures of the run', async () => {
    await writeMetricsFile(file, runResultsFixture());
    const v = await values();
    expect(v.get('kdrill_drill_last_run_timestamp_seconds{scenario=etcd-fresh-restore}')).toBe(BASE + 118);
    expect(v.get('kdrill_drill_last_success_timestamp_seconds{scenario=etcd-fresh-restore}')).toBe(BASE + 118);
    // Failed and never passed before: 0, so "no success in 26 h" fires for it too.
    expect(v.get('kdrill_drill_last_success_timestamp_seconds{scenario=secret-wipe}')).toBe(0);
    expect(['passed', 'failed', 'error'].map((x) => v.get(`kdrill_drill_verdict{scenario=secret-wipe,verdict=${x}}`))).toEqual([0, 1, 0]);
    expect(v.get('kdrill_drill_duration_seconds{scenario=secret-wipe}')).toBe(476);
    expect(v.get('kdrill_rto_seconds{scenario=secret-wipe}')).toBe(432.2);
    expect(v.get('kdrill_rto_objective_seconds{scenario=secret-wipe}')).toBe(300);
    expect(v.get('kdrill_rpo_seconds{scenario=secret-wipe}')).toBe(20);
    expect(v.get('kdrill_rpo_objective_seconds{scenario=secret-wipe}')).toBe(60);
    expect(v.get('kdrill_backup_timestamp_seconds{scenario=secret-wipe}')).toBe(BASE + 146);
    expect(v.get('kdrill_backup_age_seconds{scenario=secret-wipe}')).toBe(20);
    expect(v.get('kdrill_backup_size_bytes{scenario=secret-wipe}')).toBe(845_312);
    expect(v.get('kdrill_check_failed{scenario=secret-wipe,check=Secrets match the baseline,check_id=secrets-match}')).toBe(1);
    expect(v.get('kdrill_check_failed{scenario=secret-wipe,check=workloads-ready,check_id=workloads-ready}')).toBe(0);
    expect([...v.keys()].some((k) => k.startsWith('kdrill_drift_objects'))).toBe(false);
    expect([...v.keys()].every((k) => k.startsWith('kdrill_'))).toBe(true);
  });

  it('a failed drill carries the last success time over from the existing file', async () => {
    await writeMetricsFile(file, laterRun(0, 'passed'));
    const passedAt = (await values()).get('kdrill_drill_last_success_timestamp_seconds{scenario=secret-wipe}');
    expect(passedAt).toBe(BASE + 596);
    await writeMetricsFile(file, laterRun(86_400, 'failed'));
    const v = await values();
    expect(v.get('kdrill_drill_last_success_timestamp_seconds{scenario=secret-wipe}')).toBe(passedAt);
    expect(v.get('kdrill_drill_last_run_timestamp_seconds{scenario=secret-wipe}')).toBe(BASE + 596 + 86_400);
    expect(v.get('kdrill_drill_last_success_timestamp_seconds{scenario=etcd-fresh-restore}')).toBe(BASE + 118 + 86_400);
  });

  it("keeps other scenarios' series from earlier runs (shards sharing a file), each family's lines together", async () => {
    await writeMetricsFile(file, laterRun(0, 'passed'));
    const before = await values();
    await writeMetricsFile(file, laterRun(3600, 'failed', 'secret-wipe'));
    const after = await values();
    const etcd = (m: Map<string, number>) => [...m].filter(([k]) => k.includes('scenario=etcd-fresh-restore'));
    expect(etcd(after)).toEqual(etcd(before));
    expect(after.get('kdrill_drill_verdict{scenario=secret-wipe,verdict=failed}')).toBe(1);
    // parseExposition is strict: it would throw on a family split by the merge.
    expect(parseExposition(await readFile(file, 'utf8')).length).toBe(12);
  });

  it('is replaced atomically, readable by the exporter (0644), with no temp file left', async () => {
    await writeFile(file, '');
    await writeMetricsFile(file, runResultsFixture());
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await readdir(dir)).toEqual(['kdrill.prom']);
  });

  it('refuses to replace a file that is not exposition format, and leaves it as it was', async () => {
    const junk = 'kdrill_drill_last_success_timestamp_seconds{scenario="x" 1\n';
    await writeFile(file, junk);
    await expect(writeMetricsFile(file, runResultsFixture())).rejects.toMatchObject({ code: 'E_METRICS', message: expect.stringContaining('line 1') });
    expect(await readFile(file, 'utf8')).toBe(junk);
  });
});
