import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSensitive, registerSensitive } from '../core/redact.js';
import { CANARY, runResultsFixture } from './fixtures/run-results.js';
import { renderMarkdown } from './markdown.js';
import { mermaidName, renderGantt } from './mermaid.js';

beforeAll(() => registerSensitive(CANARY));
afterAll(() => clearSensitive());

// `name (duration) :tags, id, start, end` with ms since the scenario started (dateFormat x).
const TASK = /^ {4}([^:#;]+) \(([^():#;]+)\) :((?:active|done|crit)(?:, (?:active|done|crit))*), (t\d+), (\d+), (\d+)$/;

function ganttBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map((m) => m[1]!);
}

describe('renderMarkdown', () => {
  it('matches the golden after-action report', async () => {
    await expect(renderMarkdown(runResultsFixture())).toMatchFileSnapshot('__snapshots__/report.md');
  });

  it('states the verdict first, naming what failed', () => {
    const firstLines = renderMarkdown(runResultsFixture()).split('\n').slice(0, 3);
    expect(firstLines[2]).toBe(
      '❌ **Failed.** 1 of 2 scenarios did not pass: `secret-wipe` (check `secrets-match` failed, check `webhook-configs` skipped, RTO 7m 12s over the 5m target).',
    );
    const allGood = runResultsFixture();
    allGood.scenarios = allGood.scenarios.slice(0, 1);
    allGood.verdict = 'passed';
    expect(renderMarkdown(allGood)).toContain('✅ **Passed.** Scenario `etcd-fresh-restore` restored within its objectives and every check held.');
  });

  it('leads with why it failed, right under the verdict: each failure, what to change, decisive evidence, the chaos', () => {
    const report = renderMarkdown(runResultsFixture());
    const sections = report.split(/^## /m).map((s) => s.split('\n')[0]);
    expect(sections.slice(1, 3)).toEqual(['Why it failed', 'Summary']);
    const why = report.split('## Why it failed')[1]!.split('\n## ')[0]!;
    expect(why.match(/^### /gm)).toHaveLength(3);
    expect(why).toContain('### `secret-wipe`: Check `secrets-match` (Secrets match the baseline) failed\n\n14 of 120 Secrets are missing after the restore');
    expect(why).toContain('**What to change:** The operator recreated these Secrets');
    expect(why).toMatch(/```yaml\nmissing:\n {2}- team-00\/db-credentials\n[\s\S]*# … 18 lines in the full evidence\n```/);
    expect(why).toContain('### `secret-wipe`: Check `webhook-configs` was skipped, so it proved nothing');
    expect(why).toContain('The slowest steps were restore › apply: attempt 2 (3m 39s), restore › apply: attempt 1 (3m 32s)');
    expect(why).toContain('raise the RTO objective to 8m');
    expect(why).toContain('- `delete-secrets`: deleted 120 Secrets in 40 namespaces');
    expect(why).not.toContain('etcd-fresh-restore');
    expect(report).not.toContain('What failed and what to change');
  });

  it('shows decisive evidence keys first, above the fold and in the folded evidence', () => {
    const results = runResultsFixture();
    const check = results.scenarios[1]!.checks[0]!;
    check.evidence = { samples: Array.from({ length: 40 }, (_, i) => `agreed ${i}`), missing: ['team-00/db-credentials'], counted: 120 };
    check.decisive = ['missing', 'counted'];
    const report = renderMarkdown(results);
    const why = report.split('## Why it failed')[1]!.split('\n## ')[0]!;
    expect(why).toContain('```yaml\nmissing:\n  - team-00/db-credentials\ncounted: 120\n# … 44 lines in the full evidence\n```');
    expect(report).toMatch(/<details><summary>secrets-match: ❌ failed: 14 of 120 Secrets are missing after the restore \(evidence, 44 lines\)<\/summary>\n\n```yaml\nmissing:\n {2}- team-00\/db-credentials\ncounted: 120\nsamples:/);
  });

  it('says a skipped check is skipped, and passes with it only when it is optional or allowed', () => {
    const results = runResultsFixture();
    results.scenarios = results.scenarios.slice(1, 2);
    const wipe = results.scenarios[0]!;
    wipe.checks = wipe.checks.filter((c) => c.status === 'skipped');
    wipe.objectives = [];
    expect(renderMarkdown(results).split('\n')[2]).toBe('❌ **Failed.** 1 of 1 scenario did not pass: `secret-wipe` (passed with 1 check skipped: `webhook-configs`).');
    expect(renderMarkdown(results)).toContain('| `webhook-configs` | ❌ skipped (required) |');
    Object.assign(wipe.checks[0]!, { asExpected: true, optional: true });
    wipe.verdict = 'passed';
    results.verdict = 'passed';
    const passed = renderMarkdown(results);
    expect(passed.split('\n')[2]).toBe('✅ **Passed with 1 check skipped** (marked optional: `webhook-configs`). Scenario `secret-wipe` restored within its objectives and every check that ran held.');
    expect(passed).toContain('| `webhook-configs` | ⏭️ skipped (optional) |');
    expect(passed).not.toContain('## Why it failed');
  });

  it('says a run was interrupted, and that RTO was not reached, instead of blaming what stopping it broke', () => {
    const results = runResultsFixture();
    results.scenarios = results.scenarios.slice(1, 2);
    const wipe = results.scenarios[0]!;
    Object.assign(wipe, { verdict: 'error', checks: [], error: { code: 'E_ABORTED', message: 'interrupted by SIGINT during the restore phase', phase: 'restore' } });
    wipe.measurements.rtoMs = undefined;
    wipe.objectives[0] = { ...wipe.objectives[0]!, measuredMs: undefined, passed: false };
    Object.assign(results, { verdict: 'error', interrupted: 'SIGINT' });
    const report = renderMarkdown(results);
    expect(report.split('\n')[2]).toBe('❌ **Interrupted** by SIGINT: the run did not finish. 1 of 1 scenario did not pass: `secret-wipe` (interrupted in restore, RTO not measured).');
    expect(report).toContain('### The run was interrupted in the restore phase\n\ninterrupted by SIGINT during the restore phase');
    expect(report).toContain('| secret-wipe | ❌ error | 7m 56s | not reached (restore interrupted) |');
    expect(report).toContain('| RTO | 5m | not reached (restore interrupted) | ❌ missed |');
  });

  it('has one Check column, a header on the Environment table, and lost writes outside the objectives', () => {
    const report = renderMarkdown(runResultsFixture());
    expect(report).not.toMatch(/\| Check \| Name \|/);
    expect(report).not.toContain('|  |  |');
    expect(report).toContain('| Item | Value |');
    expect(report).not.toMatch(/\| Lost writes \| —/);
    expect(report).toContain('**Lost writes:** 3 of 40 marker writes made after the backup (the backup was 20.0s old when the disaster began).');
  });

  it('emits gantt charts whose every task line is `name :status, id, start, end`', () => {
    const blocks = ganttBlocks(renderMarkdown(runResultsFixture()));
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      const [first, title, dateFormat, axis, today, ...rest] = block.split('\n');
      expect([first, dateFormat, axis, today]).toEqual(['gantt', '    dateFormat x', '    axisFormat %M:%S', '    todayMarker off']);
      // Mermaid's title runs to the end of the line and may hold `:` but not `#` or `;`.
      expect(title).toMatch(/^ {4}title [^:#;]+ \(mm:ss since the start\)$/);
      const ids = new Set<string>();
      for (const line of rest) {
        if (line.startsWith('    section ')) continue;
        const match = TASK.exec(line);
        expect(match, line).not.toBeNull();
        const [, , , , id, start, end] = match!;
        expect(Number(end)).toBeGreaterThanOrEqual(Number(start));
        expect(ids.has(id!)).toBe(false);
        ids.add(id!);
      }
      // The axis is time since the start: the first bar starts at 0, not at a wall-clock epoch.
      expect(TASK.exec(rest[1]!)![6 - 1]).toBe('0');
    }
  });
});

describe('mermaid', () => {
  it('sanitizes names Mermaid would misread', () => {
    expect(mermaidName('apply: attempt #2; retry')).toBe('apply attempt 2 retry');
    expect(mermaidName('section two')).toBe('· section two');
    expect(mermaidName(' :#; ')).toBe('unnamed');
    expect(mermaidName('x'.repeat(80))).toHaveLength(60);
  });

  it('ends a still-running step with the scenario and leaves skipped entries out', () => {
    const scenario = runResultsFixture().scenarios[1]!;
    scenario.timeline = [
      { phase: 'restore', step: 'apply', startedAt: 1_000, status: 'running' },
      { phase: 'verify', startedAt: 2_000, endedAt: 2_000, status: 'skipped' },
    ];
    scenario.startedAt = new Date(500).toISOString();
    scenario.finishedAt = new Date(5_000).toISOString();
    expect(renderGantt(scenario).split('\n').slice(5)).toEqual(['    section restore', '    apply (4.0s) :active, t1, 500, 4500']);
  });

  it('labels bars with durations, marks a phase crit when a step failed, and reads long runs as h:mm', () => {
    const scenario = runResultsFixture().scenarios[1]!;
    scenario.startedAt = new Date(0).toISOString();
    scenario.finishedAt = new Date(2 * 3_600_000).toISOString();
    scenario.timeline = [
      { phase: 'restore', startedAt: 0, endedAt: 7_200_000, status: 'passed' },
      { phase: 'restore', step: 'attempt 1', startedAt: 0, endedAt: 3_600_000, status: 'failed' },
      { phase: 'restore', step: 'attempt 2', startedAt: 3_600_000, endedAt: 7_200_000, status: 'passed' },
    ];
    expect(renderGantt(scenario).split('\n')).toEqual([
      'gantt', '    title secret-wipe (h:mm since the start)', '    dateFormat x', '    axisFormat %M:%S', '    todayMarker off',
      '    section restore', '    restore (2h 0m 0s) :crit, t1, 0, 120000', '    attempt 1 (1h 0m 0s) :crit, t2, 0, 60000', '    attempt 2 (1h 0m 0s) :done, t3, 60000, 120000',
    ]);
  });
});
