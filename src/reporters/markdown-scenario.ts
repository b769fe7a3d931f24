import type { CheckResult, ScenarioResult, Verdict } from '../contracts/types.js';
import { adviceFor } from './advice.js';
import { COUNT_ORDER, evidenceText, formatBytes, formatDuration, orderedKeys } from './format.js';
import { cell, code, details, fenced, table, utcTime } from './markdown-parts.js';
import { renderGantt } from './mermaid.js';

/** Evidence longer than this many lines folds into a <details> block. */
const INLINE_EVIDENCE_LINES = 12;

/** The verdict mark used in headings and tables. */
export function verdictMark(verdict: Verdict): string {
  return verdict === 'passed' ? '✅' : '❌';
}

/** One scenario's part of the after-action report. */
export function renderScenario(s: ScenarioResult): string {
  const head = [
    `## ${verdictMark(s.verdict)} ${s.name}`,
    s.description ? `> ${s.description.replace(/\r?\n/g, ' ')}` : '',
    `${code(s.file)} · **${s.verdict}** · ${formatDuration(s.durationMs)} · started ${utcTime(s.startedAt)}`,
    s.error ? `**Error** ${code(s.error.code)}${s.error.phase ? ` in the ${s.error.phase} phase` : ''}: ${cell(s.error.message)}` : '',
  ];
  const parts = [
    ...head,
    '### Objectives',
    objectivesTable(s),
    '### Timeline',
    s.timeline.some((e) => e.status !== 'skipped') ? fenced(renderGantt(s), 'mermaid') : '_No phase ran._',
    '### Checks',
    checksSection(s.checks),
    whatFailed(s),
    '### Environment',
    environmentTable(s),
    restoreNotes(s),
  ];
  return parts.filter(Boolean).join('\n\n');
}

function objectivesTable(s: ScenarioResult): string {
  const rows = s.objectives.map((o) => [
    o.name.toUpperCase(),
    cell(o.target),
    cell(formatDuration(o.measuredMs)),
    o.passed ? '✅ met' : '❌ missed',
    cell(o.explanation),
  ]);
  const m = s.measurements;
  for (const [name, ms] of [['RTO', m.rtoMs], ['RPO', m.rpoMs]] as const) {
    if (ms !== undefined && !s.objectives.some((o) => o.name.toUpperCase() === name)) {
      rows.push([name, '—', cell(formatDuration(ms)), '—', 'measured, no objective set']);
    }
  }
  if (m.lostWrites !== undefined) {
    const of = m.writesAfterBackup !== undefined ? ` of ${m.writesAfterBackup} written after the backup` : '';
    rows.push(['Lost writes', '—', `${m.lostWrites}${of}`, '—', m.backupAgeMs !== undefined ? `backup was ${formatDuration(m.backupAgeMs)} old` : '—']);
  }
  if (rows.length === 0) return '_No objectives set and nothing measured._';
  return table(['Objective', 'Target', 'Measured', 'Result', 'Explanation'], rows);
}

function checkResult(c: CheckResult): string {
  if (c.status === 'skipped') return '⏭️ skipped';
  if (c.status === 'error') return '❌ error';
  if (c.expect === 'fail') return c.asExpected ? '✅ failed as expected' : '❌ passed (expected to fail)';
  return c.asExpected ? '✅ passed' : '❌ failed';
}

function checksSection(checks: CheckResult[]): string {
  if (checks.length === 0) return '_No checks ran._';
  const rows = checks.map((c) => [code(c.id), cell(c.name), c.expect, checkResult(c), formatDuration(c.durationMs), cell(c.summary)]);
  const evidence = checks.map(evidenceBlock).filter(Boolean);
  return [table(['Check', 'Name', 'Expect', 'Result', 'Time', 'Summary'], rows), ...evidence].join('\n\n');
}

function evidenceBlock(c: CheckResult): string {
  const text = evidenceText(c.evidence, 16_384);
  if (!text) return '';
  const lines = text.split('\n').length;
  if (lines <= INLINE_EVIDENCE_LINES) return `**${code(c.id)} evidence**\n\n${fenced(text, 'yaml')}`;
  return details(`${c.id} evidence (${lines} lines)`, fenced(text, 'yaml'));
}

function whatFailed(s: ScenarioResult): string {
  const advice = adviceFor(s);
  if (advice.length === 0) return '';
  const items = advice.map(
    (a, i) => `${i + 1}. **${a.title}**\n   - Likely cause: ${cell(a.cause)}\n   - What to change: ${cell(a.change)}`,
  );
  return ['### What failed and what to change', items.join('\n')].join('\n\n');
}

function environmentTable(s: ScenarioResult): string {
  const e = s.environment;
  const rows: [string, string][] = [
    ['Provider', cell(e.provider)],
    ['Kubernetes', cell(e.kubernetesVersion ?? 'unknown')],
    ['etcd', cell(e.etcdVersion ?? 'unknown')],
    ['kdrill', cell(e.kdrillVersion)],
    ['Node', cell(`${e.nodeVersion} (${e.platform})`)],
    ['Scenario hash', code(s.scenarioHash)],
  ];
  if (s.backup) {
    const b = s.backup;
    rows.push(['Backup', `${code(b.id)} · ${formatBytes(b.sizeBytes)} · ${b.artifacts} artifacts · ${cell(b.strategy)} → ${cell(b.store)}`]);
  }
  if (s.restore) {
    const r = s.restore;
    const counts = orderedKeys(r.counts, COUNT_ORDER).map((k) => `${k} ${r.counts[k]}`).join(', ');
    rows.push(['Restore', cell(`${r.strategy} → ${r.target} cluster · ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}${counts ? ` · ${counts}` : ''}`)]);
  }
  if (s.artifacts.length > 0) rows.push(['Artifacts', s.artifacts.map(code).join(', ')]);
  return table(['', ''], rows);
}

function restoreNotes(s: ScenarioResult): string {
  const notes = s.restore?.notes ?? [];
  if (notes.length === 0) return '';
  return ['**Restore notes**', notes.map((n) => `- ${cell(n)}`).join('\n')].join('\n\n');
}
