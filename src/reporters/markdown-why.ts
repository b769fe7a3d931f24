import type { ScenarioResult } from '../contracts/types.js';
import { adviceFor, type Advice } from './advice.js';
import { decisiveExcerpt } from './format.js';
import { cell, code, fenced } from './markdown-parts.js';

/** Decisive evidence lines shown under the verdict; the rest stays in the folded evidence below. */
const WHY_EVIDENCE_LINES = 12;

/**
 * "Why it failed": right under the verdict, one block per failure of every scenario that did not pass: what failed,
 * its summary, what to change, the decisive evidence lines, and what the chaos steps did (they explain most failures).
 */
export function whyItFailed(scenarios: ScenarioResult[]): string {
  const bad = scenarios.filter((s) => s.verdict !== 'passed');
  if (bad.length === 0) return '';
  return ['## Why it failed', ...bad.map((s) => scenarioWhy(s, scenarios.length > 1))].join('\n\n');
}

function scenarioWhy(s: ScenarioResult, named: boolean): string {
  const blocks = adviceFor(s).map((a) => adviceBlock(a, named ? `${code(s.name)}: ` : ''));
  const chaos = chaosNotes(s);
  if (chaos) blocks.push(chaos);
  return blocks.join('\n\n');
}

function adviceBlock(a: Advice, prefix: string): string {
  const parts = [`### ${prefix}${cell(a.title)}`, cell(a.cause), `**What to change:** ${cell(a.change)}`];
  const excerpt = a.check && a.check.status !== 'skipped' ? decisiveExcerpt(a.check.evidence, a.check.decisive, WHY_EVIDENCE_LINES) : '';
  if (excerpt) parts.push(`**Decisive evidence** (all of it under Checks below):`, fenced(excerpt, 'yaml'));
  return parts.join('\n\n');
}

/** The notes of the chaos steps that ran (before or during the restore): what the disaster did. */
function chaosNotes(s: ScenarioResult): string {
  const steps = s.timeline.filter((e) => e.step !== undefined && e.note && (e.phase === 'chaos' || e.step.startsWith('chaos: ')));
  if (steps.length === 0) return '';
  const lines = steps.map((e) => `- ${code(e.step!.replace(/^chaos: /, ''))}${e.status === 'failed' ? ' (failed)' : ''}: ${cell(e.note)}`);
  return ['**What the chaos did** (from the timeline):', lines.join('\n')].join('\n\n');
}
