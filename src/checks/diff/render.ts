import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';

/** YAML with map keys sorted at every level: two equal objects always print the same. */
export function stableYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0 });
}

/** A unified diff of two objects as stable YAML, cut to `maxLines` lines (with a note saying how many were cut). */
export function unifiedDiff(label: string, before: unknown, after: unknown, maxLines = 60, sides: [string, string] = ['baseline', 'restored']): string {
  const patch = createTwoFilesPatch(`${sides[0]}/${label}`, `${sides[1]}/${label}`, stableYaml(before), stableYaml(after), undefined, undefined, {
    context: 2,
  });
  // The first line is a `===` separator the diff package adds; the file headers stay.
  const lines = patch.split('\n').filter((line, i) => !(i === 0 && line.startsWith('===')));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length <= maxLines) return lines.join('\n');
  return [...lines.slice(0, maxLines), `… ${lines.length - maxLines} more diff lines`].join('\n');
}

/** The first `max` items and, when some were left out, an "and N more" line. */
export function capList<T>(items: readonly T[], max: number): { items: T[]; more?: string } {
  if (items.length <= max) return { items: [...items] };
  return { items: items.slice(0, max), more: `and ${items.length - max} more` };
}
