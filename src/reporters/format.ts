import { stringify } from 'yaml';

/** Reporters render only a redacted deep copy. */
export { redactDeep } from '../core/redact.js';

/** `850ms`, `4.2s`, `7m 12s`, `1h 3m 5s`; `—` when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)}s`;
  const totalSeconds = Math.floor(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return h > 0 ? `${h}h ${m}m ${s}s` : `${m}m ${s}s`;
}

/** `512 B`, `1.5 KiB`, `12.3 MiB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Evidence as readable YAML, cut to `maxChars` with a note saying how much was left out. Keys come in order of
 * importance: the `decisive` ones first, then the rest in the check's own order (findings before samples).
 */
export function evidenceText(evidence: Record<string, unknown> | undefined, maxChars = 4096, decisive: readonly string[] = []): string {
  if (!evidence || Object.keys(evidence).length === 0) return '';
  return trimText(yamlText(orderEvidence(evidence, decisive)), maxChars);
}

/** `evidence` with the `decisive` keys first (in that order), the others after in their own order. */
export function orderEvidence(evidence: Record<string, unknown>, decisive: readonly string[] = []): Record<string, unknown> {
  const first = decisive.filter((k) => k in evidence);
  const rest = Object.keys(evidence).filter((k) => !first.includes(k));
  return Object.fromEntries([...first, ...rest].map((k) => [k, evidence[k]]));
}

/**
 * The few evidence lines that decide a failure, for the top of a report: the decisive keys, or else the evidence in
 * the check's own order, cut to `maxLines`, with a note when the full evidence has more.
 */
export function decisiveExcerpt(evidence: Record<string, unknown> | undefined, decisive: readonly string[] = [], maxLines = 12): string {
  if (!evidence || Object.keys(evidence).length === 0) return '';
  const ordered = orderEvidence(evidence, decisive);
  const marked = decisive.filter((k) => k in evidence);
  const selected = marked.length > 0 ? Object.fromEntries(marked.map((k) => [k, evidence[k]])) : ordered;
  const shown = yamlText(selected).split('\n').slice(0, maxLines);
  const total = yamlText(ordered).split('\n').length;
  return total > shown.length ? [...shown, `# … ${total} lines in the full evidence`].join('\n') : shown.join('\n');
}

function yamlText(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd();
}

/** Cut text to about `maxChars`, at a line break when one is near, saying how much was left out. */
export function trimText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.lastIndexOf('\n', maxChars);
  const end = cut > maxChars * 0.8 ? cut : maxChars;
  return `${text.slice(0, end)}\n… (${text.length - end} more characters; see results.json)`;
}

export { sortKeysDeep } from '../core/canonical-json.js';

/** Restore counts in reading order: the contract's five first, then any others sorted. */
export const COUNT_ORDER = ['created', 'updated', 'unchanged', 'pruned', 'skipped'] as const;

/** Keys of `record`: those in `known` first in that order, then the rest sorted. */
export function orderedKeys(record: object, known: readonly string[]): string[] {
  const keys = Object.keys(record);
  return [...known.filter((k) => keys.includes(k)), ...keys.filter((k) => !known.includes(k)).sort()];
}
