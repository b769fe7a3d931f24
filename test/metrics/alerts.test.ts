import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runResultsFixture } from '../../src/reporters/fixtures/run-results.js';
import { writeMetricsFile } from '../../src/metrics/metrics-file.js';
import { testBinary } from '../support/test-bin.js';

const DOCS = join(import.meta.dirname, '../../docs');
const promtool = testBinary('promtool');

describe.skipIf(!promtool.path)(`promtool on the alert rules and the metrics file${promtool.path ? '' : ` (skipped: ${promtool.skipReason})`}`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdrill-promtool-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('docs/alerts.yaml passes promtool check rules', async () => {
    const result = await execa(promtool.path!, ['check', 'rules', 'alerts.yaml'], { cwd: DOCS, reject: false });
    expect(result.stdout + result.stderr).toContain('SUCCESS: 6 rules found');
    expect(result.exitCode).toBe(0);
  });

  it('the alert rules pass their unit tests (docs/alerts.test.yaml)', async () => {
    const result = await execa(promtool.path!, ['test', 'rules', 'alerts.test.yaml'], { cwd: DOCS, reject: false });
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.exitCode).toBe(0);
  });

  it('the metrics file kdrill writes passes promtool check metrics (exposition format and naming lint)', async () => {
    const file = join(dir, 'kdrill.prom');
    await writeMetricsFile(file, runResultsFixture());
    const result = await execa(promtool.path!, ['check', 'metrics'], { inputFile: file, reject: false });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
