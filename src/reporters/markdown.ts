import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { redact } from '../core/redact.js';
import type { Reporter, RunResults, ScenarioResult } from '../contracts/types.js';
import { plural } from '../core/plural.js';
import { rtoNotReached, verdictReason } from './advice.js';
import { formatDuration } from './format.js';
import { normalizeResults } from './json.js';
import { cell, code, table, utcTime } from './markdown-parts.js';
import { renderScenario, verdictMark } from './markdown-scenario.js';
import { whyItFailed } from './markdown-why.js';

/** The after-action report's file name. */
export const MARKDOWN_FILE = 'report.md';

/** The after-action report: verdict, summary table, then each scenario in detail. */
export function renderMarkdown(input: RunResults): string {
  // The same normalized copy results.json holds, so `kdrill report` reproduces these files byte for byte.
  const results = normalizeResults(input);
  const took = Date.parse(results.finishedAt) - Date.parse(results.startedAt);
  const parts = [
    '# kdrill after-action report',
    `${verdictMark(results.verdict)} ${verdictSentence(results)}`,
    `Run ${code(results.runId)} · started ${utcTime(results.startedAt)} · took ${formatDuration(took)} · kdrill ${cell(results.kdrillVersion)}${results.invocation.shard ? ` · shard ${cell(results.invocation.shard)}` : ''}`,
    notRun(results),
    whyItFailed(results.scenarios),
    '## Summary',
    summaryTable(results.scenarios),
    ...results.scenarios.map(renderScenario),
  ];
  return redact(parts.filter(Boolean).join('\n\n') + '\n');
}

/** Scenarios skipped because this machine lacks a tool their strategy drives: named, with how to get it. */
function notRun(results: RunResults): string {
  const skipped = results.skippedScenarios ?? [];
  if (skipped.length === 0) return '';
  return [`**Not run on this machine** (${plural(skipped.length, 'scenario')}: a tool it drives is missing):`, ...skipped.map((s) => `- ${code(s.name)}: ${cell(s.reason)}`)].join('\n');
}

function verdictSentence(results: RunResults): string {
  const all = results.scenarios;
  const interrupted = results.interrupted ? `**Interrupted** by ${cell(results.interrupted)}: the run did not finish. ` : '';
  if (all.length === 0 && results.skippedScenarios?.length) return `${interrupted}**No scenario ran:** each one selected needs a tool missing on this machine (below).`;
  if (all.length === 0) return interrupted || '**No scenario ran.** Check the scenario selection (files, shard).';
  const bad = all.filter((s) => s.verdict !== 'passed');
  if (bad.length === 0) {
    const subject = all.length === 1 ? `Scenario ${code(all[0]!.name)}` : `All ${all.length} scenarios`;
    const skipped = all.flatMap((s) => s.checks.filter((c) => c.status === 'skipped'));
    if (skipped.length === 0) return `${interrupted}**Passed.** ${subject} restored within ${all.length === 1 ? 'its' : 'their'} objectives and every check held.`;
    const why = results.invocation.allowSkipped ? 'allowed by --allow-skipped' : 'marked optional';
    return `${interrupted}**Passed with ${plural(skipped.length, 'check')} skipped** (${why}: ${skipped.map((c) => code(c.id)).join(', ')}). ${subject} restored within ${all.length === 1 ? 'its' : 'their'} objectives and every check that ran held.`;
  }
  const why = bad.map((s) => `${code(s.name)} (${verdictReason(s)})`).join(', ');
  const word = interrupted ? '' : `**${results.verdict === 'error' ? 'Error' : 'Failed'}.** `;
  return `${interrupted}${word}${bad.length} of ${plural(all.length, 'scenario')} did not pass: ${why}.`;
}

function summaryTable(scenarios: ScenarioResult[]): string {
  if (scenarios.length === 0) return '_No scenarios._';
  const rows = scenarios.map((s) => {
    const ran = s.checks.filter((c) => c.status !== 'skipped');
    const skipped = s.checks.length - ran.length;
    const checks = `${ran.filter((c) => c.asExpected).length}/${ran.length}${skipped ? ` (${skipped} skipped)` : ''}`;
    const objectives = s.objectives.length ? `${s.objectives.filter((o) => o.passed).length}/${s.objectives.length}` : '—';
    const m = s.measurements;
    return [
      cell(s.name), `${verdictMark(s.verdict)} ${s.verdict}`, formatDuration(s.durationMs), m.rtoMs === undefined && s.verdict !== 'passed' ? rtoNotReached(s) : formatDuration(m.rtoMs),
      formatDuration(m.rpoMs), m.lostWrites === undefined ? '—' : String(m.lostWrites), checks, objectives,
    ];
  });
  const header = ['Scenario', 'Verdict', 'Duration', 'RTO', 'RPO', 'Lost writes', 'Checks as expected', 'Objectives met'];
  return table(header, rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r']);
}

/** Writes report.md, the after-action report for people. */
export const markdownReporter: Reporter = {
  id: 'markdown',
  description: `${MARKDOWN_FILE}: the after-action report (verdict, objectives, timeline, checks, what to change)`,
  async write(results, outDir) {
    await mkdir(outDir, { recursive: true });
    const path = join(outDir, MARKDOWN_FILE);
    await writeFile(path, renderMarkdown(results), 'utf8');
    return [path];
  },
};
