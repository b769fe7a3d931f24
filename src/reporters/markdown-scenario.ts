import { plural } from '../core/plural.js';
import type { CheckResult, ScenarioResult, Verdict } from '../contracts/types.js';
import { requiredSkipped, rtoNotReached, verdictReason } from './advice.js';
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
  const reason = verdictReason(s, code);
  const head = [
    `## ${verdictMark(s.verdict)} ${s.name}`,
    s.description ? `> ${s.description.replace(/\r?\n/g, ' ')}` : '',
    `${code(s.file)} · **${s.verdict}**${reason ? ` (${reason})` : ''} · ${formatDuration(s.durationMs)} · started ${utcTime(s.startedAt)}`,
    s.error ? `**Error** ${code(s.error.code)}${s.error.phase ? ` in the ${s.error.phase} phase` : ''}: ${cell(s.error.message)}` : '',
  ];
  const parts = [
    ...head,
    '### Objectives',
    objectivesTable(s),
    lostWrites(s),
    '### Timeline',
    s.timeline.some((e) => e.status !== 'skipped') ? fenced(renderGantt(s), 'mermaid') : '_No phase ran._',
    '### Checks',
    checksSection(s),
    '### Environment',
    environmentTable(s),
    restoreNotes(s),
  ];
  return parts.filter(Boolean).join('\n\n');
}

function objectivesTable(s: ScenarioResult): string {
  const notReached = rtoNotReached(s);
  const rows = s.objectives.map((o) => [
    o.name.toUpperCase(),
    cell(o.target),
    cell(o.measuredMs === undefined && o.name === 'rto' ? notReached : formatDuration(o.measuredMs)),
    o.passed ? '✅ met' : '❌ missed',
    cell(o.explanation),
  ]);
  const m = s.measurements;
  for (const [name, ms] of [['RTO', m.rtoMs], ['RPO', m.rpoMs]] as const) {
    if (ms !== undefined && !s.objectives.some((o) => o.name.toUpperCase() === name)) {
      rows.push([name, '—', cell(formatDuration(ms)), '—', 'measured, no objective set']);
    }
  }
  if (rows.length === 0) return '_No objectives set and nothing measured._';
  return table(['Objective', 'Target', 'Measured', 'Result', 'Explanation'], rows);
}

/** The marker writes behind RPO: a measurement, not an objective. */
function lostWrites(s: ScenarioResult): string {
  const m = s.measurements;
  if (m.lostWrites === undefined) return '';
  const of = m.writesAfterBackup !== undefined ? ` of ${plural(m.writesAfterBackup, 'marker write')} made after the backup` : '';
  const age = m.backupAgeMs !== undefined ? ` (the backup was ${formatDuration(m.backupAgeMs)} old when the disaster began)` : '';
  return `**Lost writes:** ${m.lostWrites}${of}${age}.`;
}

function checkResult(c: CheckResult): string {
  if (c.status === 'skipped') return c.asExpected ? `⏭️ skipped${c.optional ? ' (optional)' : ''}` : '❌ skipped (required)';
  if (c.status === 'error') return '❌ error';
  if (c.expect === 'fail') return c.asExpected ? '✅ failed as expected' : '❌ passed (expected to fail)';
  return c.asExpected ? '✅ passed' : '❌ failed';
}

/** `name` (`id`) when the scenario named the check, else just the id. */
function checkLabel(c: CheckResult): string {
  return c.name === c.id ? code(c.id) : `${cell(c.name)} (${code(c.id)})`;
}

function checksSection(s: ScenarioResult): string {
  const checks = s.checks;
  if (checks.length === 0) return '_No checks ran._';
  const expects = checks.some((c) => c.expect === 'fail');
  const rows = checks.map((c) => [checkLabel(c), ...(expects ? [c.expect] : []), checkResult(c), formatDuration(c.durationMs), cell(c.summary)]);
  const header = ['Check', ...(expects ? ['Expect'] : []), 'Result', 'Time', 'Summary'];
  const skipped = requiredSkipped(s);
  const note = skipped.length
    ? `A skipped check proved nothing: ${plural(skipped.length, 'required check')} skipped fail${skipped.length === 1 ? 's' : ''} the scenario (mark a check \`optional: true\`, or pass --allow-skipped, to accept it).`
    : '';
  const evidence = checks.map(evidenceBlock).filter(Boolean);
  return [table(header, rows), note, ...evidence].filter(Boolean).join('\n\n');
}

function evidenceBlock(c: CheckResult): string {
  const text = evidenceText(c.evidence, 16_384, c.decisive);
  if (!text) return '';
  const lines = text.split('\n').length;
  const verdict = `${checkResult(c)}: ${c.summary}`;
  if (lines <= INLINE_EVIDENCE_LINES) return `**${code(c.id)} evidence** (${cell(verdict)})\n\n${fenced(text, 'yaml')}`;
  return details(`${c.id}: ${verdict} (evidence, ${lines} lines)`, fenced(text, 'yaml'));
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
    rows.push(['Backup', `${code(b.id)} · ${formatBytes(b.sizeBytes)} · ${plural(b.artifacts, 'artifact')} · ${cell(b.strategy)} → ${cell(b.store)}`]);
  }
  if (s.restore) {
    const r = s.restore;
    const counts = orderedKeys(r.counts, COUNT_ORDER).map((k) => `${k} ${r.counts[k]}`).join(', ');
    const target = r.isolatedProvider ? `isolated ${r.isolatedProvider}` : r.target;
    rows.push(['Restore', cell(`${r.strategy} → ${target} cluster · ${plural(r.attempts, 'attempt')}${counts ? ` · ${counts}` : ''}`)]);
  }
  if (s.baselineSource) rows.push(['Baseline', cell(s.baselineSource === 'backup' ? `the objects in backup ${s.backup?.id ?? ''}` : 'the source cluster, before the backup')]);
  if (s.measurements.sourceWrites !== undefined) rows.push(['Writes to the source', cell(String(s.measurements.sourceWrites))]);
  rows.push(...isolationRows(s));
  if (s.artifacts.length > 0) rows.push(['Artifacts', s.artifacts.map(code).join(', ')]);
  return table(['Item', 'Value'], rows);
}

/** Source vs isolated target: versions, skew, and what the target cannot serve. */
function isolationRows(s: ScenarioResult): [string, string][] {
  const i = s.isolation;
  if (!i) return [];
  const versions = `source ${i.sourceCluster} ${i.sourceVersion}${i.backupVersion ? ` · backup ${i.backupVersion}` : ''} · target ${i.targetCluster} (${i.targetProvider}) ${i.targetVersion}`;
  const rows: [string, string][] = [['Isolation', cell(`${versions}${i.skew ? ` · ${i.skew}` : ' · same minor version'}`)]];
  if (i.unservedApiVersions.length > 0) rows.push(['Not served by the target', i.unservedApiVersions.map(code).join(', ')]);
  return rows;
}

function restoreNotes(s: ScenarioResult): string {
  const notes = s.restore?.notes ?? [];
  if (notes.length === 0) return '';
  return ['**Restore notes**', notes.map((n) => `- ${cell(n)}`).join('\n')].join('\n\n');
}
