import type { ScenarioResult, TimelineEntry } from '../contracts/types.js';

// Words a gantt line may not start with: Mermaid would read the line as a directive.
const KEYWORDS = /^(title|section|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|weekday|click|inclusiveenddates|topaxis|acctitle|accdescr|displaymode)\b/i;

/** A task or section name Mermaid accepts: no `:` `#` `;` (they delimit or comment), one line, not a keyword. */
export function mermaidName(text: string, max = 60): string {
  let name = text.replace(/[:#;\r\n\t`]/g, ' ').replace(/\s+/g, ' ').trim();
  if (name.length > max) name = name.slice(0, max - 1).trimEnd() + '…';
  if (!name) return 'unnamed';
  return KEYWORDS.test(name) ? `· ${name}` : name;
}

function tag(status: TimelineEntry['status']): string {
  if (status === 'failed') return 'crit';
  if (status === 'running') return 'active';
  return 'done';
}

/** A Mermaid `gantt` of the scenario's phases (one section each) and their steps; skipped entries are left out. */
export function renderGantt(scenario: ScenarioResult): string {
  const finished = Date.parse(scenario.finishedAt);
  const lines = ['gantt', `    title ${mermaidName(scenario.name)} timeline`, '    dateFormat x', '    axisFormat %M:%S'];
  const phases = [...new Set(scenario.timeline.map((e) => e.phase))];
  let id = 0;
  for (const phase of phases) {
    const entries = scenario.timeline.filter((e) => e.phase === phase && e.status !== 'skipped');
    if (entries.length === 0) continue;
    lines.push(`    section ${mermaidName(phase)}`);
    // The phase bar first, then its steps in start order.
    const sorted = [...entries].sort((a, b) => Number(a.step !== undefined) - Number(b.step !== undefined) || a.startedAt - b.startedAt);
    for (const entry of sorted) {
      const name = mermaidName(entry.step ? `${phase} › ${entry.step}` : phase);
      // A step still running when the scenario stopped ends with the scenario.
      const end = Math.max(entry.endedAt ?? (Number.isFinite(finished) ? finished : entry.startedAt), entry.startedAt);
      lines.push(`    ${name} :${tag(entry.status)}, t${++id}, ${Math.round(entry.startedAt)}, ${Math.round(end)}`);
    }
  }
  return lines.join('\n');
}
