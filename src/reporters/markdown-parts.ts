/** Text for one Markdown table cell: pipes escaped, one line, no raw HTML. */
export function cell(text: string | number | undefined): string {
  if (text === undefined || text === '') return '—';
  return String(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

/** A Markdown table; cells must already be escaped with `cell` (or be trusted Markdown). */
export function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const rule = header.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [header, rule, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** A fenced code block whose fence is longer than any backtick run inside the text. */
export function fenced(text: string, lang = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** A collapsible block (GitHub renders the Markdown inside when blank lines surround it). */
export function details(summary: string, body: string): string {
  return `<details><summary>${cell(summary)}</summary>\n\n${body}\n\n</details>`;
}

/** `2025-03-01 12:00:00 UTC` from an ISO timestamp; the input unchanged when it does not parse. */
export function utcTime(iso: string): string {
  const time = Date.parse(iso);
  return Number.isFinite(time) ? new Date(time).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : iso;
}

/** Inline code for a name (backticks inside are dropped so the span cannot break). */
export function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}
