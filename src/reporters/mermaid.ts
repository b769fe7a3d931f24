import type { ScenarioResult, TimelineEntry } from '../contracts/types.js';
import { formatDuration } from './format.js';

// Words a gantt line may not start with: Mermaid would read the line as a directive.
const KEYWORDS = /^(title|section|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|weekday|click|inclusiveenddates|topaxis|acctitle|accdescr|displaymode)\b/i;

/** A task or section name Mermaid accepts: no `:` `#` `;` (they delimit or comment), one line, not a keyword. */
export function mermaidName(text: string, max = 60): string {
  let name = text.replace(/[:#;\r\n\t`]/g, ' ').replace(/\s+/g, ' ').trim();
  if (name.length > max) name = name.slice(0, max - 1).trimEnd() + '…';
  if (!name) return 'unnamed';
  return KEYWORDS.test(name) ? `· ${name}` : name;
}

/**
 * A Mermaid `gantt` of the scenario's phases (one section each) and their steps; skipped entries are left out.
 * The axis is time since the scenario started (Mermaid draws wall-clock times in the viewer's zone, which reads as
 * minutes into the run when it is not), each bar's label carries its duration (sub-second bars of a long run are
 * too thin to see), and a phase is red (`crit`) when any of its steps failed.
 */
export function renderGantt(scenario: ScenarioResult): string {
  const finished = Date.parse(scenario.finishedAt);
  const origin = Math.min(...scenario.timeline.map((e) => e.startedAt), Number.isFinite(Date.parse(scenario.startedAt)) ? Date.parse(scenario.startedAt) : Infinity);
  const spanMs = (Number.isFinite(finished) ? finished : Math.max(...scenario.timeline.map((e) => e.endedAt ?? e.startedAt))) - origin;
  // Runs of an hour or more are drawn one chart-second per run-minute, so the `mm:ss` axis reads as `h:mm`.
  const scale = spanMs >= 3_600_000 ? 60 : 1;
  const unit = scale === 1 ? 'mm:ss' : 'h:mm';
  const at = (ms: number) => Math.max(0, Math.round((ms - origin) / scale));
  const lines = ['gantt', `    title ${mermaidName(scenario.name)} (${unit} since the start)`, '    dateFormat x', '    axisFormat %M:%S', '    todayMarker off'];
  const phases = [...new Set(scenario.timeline.map((e) => e.phase))];
  let id = 0;
  for (const phase of phases) {
    const entries = scenario.timeline.filter((e) => e.phase === phase && e.status !== 'skipped');
    if (entries.length === 0) continue;
    const stepFailed = entries.some((e) => e.step !== undefined && e.status === 'failed');
    lines.push(`    section ${mermaidName(phase)}`);
    // The phase bar first, then its steps in start order; the section names the phase, so steps go by their own name.
    const sorted = [...entries].sort((a, b) => Number(a.step !== undefined) - Number(b.step !== undefined) || a.startedAt - b.startedAt);
    for (const entry of sorted) {
      // A step still running when the scenario stopped ends with the scenario.
      const end = Math.max(entry.endedAt ?? (Number.isFinite(finished) ? finished : entry.startedAt), entry.startedAt);
      const name = mermaidName(`${entry.step ?? phase} (${formatDuration(end - entry.startedAt)})`);
      const status = entry.step === undefined && stepFailed ? 'failed' : entry.status;
      lines.push(`    ${name} :${tag(status)}, t${++id}, ${at(entry.startedAt)}, ${at(end)}`);
    }
  }
  return lines.join('\n');
}

function tag(status: TimelineEntry['status']): string {
  if (status === 'failed') return 'crit';
  if (status === 'running') return 'active';
  return 'done';
}
