import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runResultsFixture } from '../reporters/fixtures/run-results.js';
import { DRILL_METRICS, drillFamilies } from './drill-metrics.js';

const ROOT = join(import.meta.dirname, '../..');
const NAMES: string[] = Object.values(DRILL_METRICS).map(([name]) => name);

describe('drill metric names', () => {
  it('carry the kdrill_ prefix and a unit suffix where they measure one', () => {
    for (const name of NAMES) expect(name).toMatch(/^kdrill_[a-z_]+$/);
    expect(NAMES.filter((n) => /(timestamp|rto|rpo|age|duration)/.test(n)).every((n) => n.endsWith('_seconds'))).toBe(true);
    expect(NAMES.filter((n) => n.includes('size')).every((n) => n.endsWith('_bytes'))).toBe(true);
  });

  it('every kdrill_ metric the alert rules and the docs name exists', () => {
    for (const file of ['docs/alerts.yaml', 'docs/alerts.test.yaml', 'docs/metrics.md']) {
      const used = new Set(readFileSync(join(ROOT, file), 'utf8').match(/kdrill_[a-z_]+/g));
      expect([...used].filter((n) => !NAMES.includes(n)), file).toEqual([]);
    }
    // ...and docs/metrics.md documents every one of them.
    const documented = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8');
    expect(NAMES.filter((n) => !documented.includes(`\`${n}\``))).toEqual([]);
  });

  it('a scenario listed twice in one run is written once (the last result wins)', () => {
    const results = runResultsFixture();
    results.scenarios.push({ ...results.scenarios[0]!, verdict: 'error' });
    const verdict = drillFamilies(results, () => undefined).find((f) => f.name === 'kdrill_drill_verdict')!;
    expect(verdict.samples.filter((s) => s.labels.scenario === 'etcd-fresh-restore' && s.value === 1).map((s) => s.labels.verdict)).toEqual(['error']);
    expect(verdict.samples).toHaveLength(6);
  });
});
