/** One cell: numbers are formatted, undefined prints as "-"; columns of numbers and figures ("73%") align right. */
export type Cell = string | number | undefined;

/** A titled table of figures, printed to the terminal and kept in the JSON results. */
export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

/** Fixed decimals by magnitude: 1234 -> "1234", 12.34 -> "12.3", 1.234 -> "1.23"; non-finite -> "-". */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) return value.toFixed(0);
  return value.toFixed(abs >= 10 ? 1 : 2);
}

/** A fraction as a whole percentage: 0.734 -> "73%". */
export function formatPercent(fraction: number): string {
  return Number.isFinite(fraction) ? `${Math.round(fraction * 100)}%` : '-';
}

/** Numbers, blanks and text that starts like a number ("73%", "1000 / 1012") read best right-aligned. */
function isFigure(cell: Cell): boolean {
  return typeof cell !== 'string' || /^-?\d/.test(cell);
}

function cellText(cell: Cell): string {
  if (cell === undefined) return '-';
  return typeof cell === 'number' ? formatNumber(cell) : cell;
}

/** Renders `table` as aligned plain text: title, header, dashes, one line per row (no trailing spaces). */
export function formatTable(table: Table): string {
  const texts = table.rows.map((row) => table.columns.map((_, i) => cellText(row[i])));
  const widths = table.columns.map((name, i) => Math.max(name.length, ...texts.map((row) => row[i]!.length)));
  const numeric = table.columns.map((_, i) => table.rows.length > 0 && table.rows.every((row) => isFigure(row[i])));
  const line = (cells: string[]) =>
    cells
      .map((text, i) => (numeric[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [table.title, line(table.columns), line(widths.map((w) => '-'.repeat(w))), ...texts.map(line)].join('\n');
}
