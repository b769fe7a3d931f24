import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSensitive, registerSensitive } from '../core/redact.js';
import { CANARY, runResultsFixture } from './fixtures/run-results.js';
import { renderMarkdown } from './markdown.js';
import { mermaidName, renderGantt } from './mermaid.js';

beforeAll(() => registerSensitive(CANARY));
afterAll(() => clearSensitive());

// `name :tags, id, start, end` with ms epoch values (dateFormat x).
const TASK = /^ {4}([^:#;]+) :((?:active|done|crit)(?:, (?:active|done|crit))*), (t\d+), (\d{13}), (\d{13})$/;

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
      '❌ **Failed.** 1 of 2 scenarios did not pass: `secret-wipe` (check `secrets-match` failed, RTO 7m 12s over the 5m target).',
    );
    const allGood = runResultsFixture();
    allGood.scenarios = allGood.scenarios.slice(0, 1);
    allGood.verdict = 'passed';
    expect(renderMarkdown(allGood)).toContain('✅ **Passed.** Scenario `etcd-fresh-restore` restored within its objectives and every check held.');
  });

  it('gives a likely cause and a change for each failure', () => {
    const section = renderMarkdown(runResultsFixture()).split('### What failed and what to change')[1]!.split('###')[0]!;
    expect(section.match(/^\d+\. \*\*/gm)).toHaveLength(2);
    expect(section).toContain('The slowest steps were restore › apply: attempt 2 (3m 39s), restore › apply: attempt 1 (3m 32s)');
    expect(section).toContain('raise the RTO objective to 8m');
    expect(section).toContain('restore with --force-conflicts');
  });

  it('emits gantt charts whose every task line is `name :status, id, start, end`', () => {
    const blocks = ganttBlocks(renderMarkdown(runResultsFixture()));
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      const [first, title, dateFormat, axis, ...rest] = block.split('\n');
      expect([first, dateFormat, axis]).toEqual(['gantt', '    dateFormat x', '    axisFormat %M:%S']);
      expect(title).toMatch(/^ {4}title [^:#;]+$/);
      const ids = new Set<string>();
      for (const line of rest) {
        if (line.startsWith('    section ')) continue;
        const match = TASK.exec(line);
        expect(match, line).not.toBeNull();
        const [, , , id, start, end] = match!;
        expect(Number(end)).toBeGreaterThanOrEqual(Number(start));
        expect(ids.has(id!)).toBe(false);
        ids.add(id!);
      }
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
    scenario.finishedAt = new Date(5_000).toISOString();
    expect(renderGantt(scenario).split('\n').slice(4)).toEqual(['    section restore', '    restore › apply :active, t1, 1000, 5000']);
  });
});
