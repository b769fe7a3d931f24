import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** One fenced code block of a Markdown file: its language, text, and the 1-based line of its first text line. */
export interface CodeBlock {
  file: string;
  line: number;
  lang: string;
  text: string;
}

/** Every fenced (```) code block of `file`, in order. */
export async function codeBlocks(file: string): Promise<CodeBlock[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const blocks: CodeBlock[] = [];
  let open: { lang: string; line: number; body: string[] } | undefined;
  for (const [index, line] of lines.entries()) {
    const fence = /^```(\S*)\s*$/.exec(line);
    if (!fence) {
      open?.body.push(line);
      continue;
    }
    if (open) {
      blocks.push({ file, line: open.line, lang: open.lang, text: open.body.join('\n') + '\n' });
      open = undefined;
    } else {
      open = { lang: fence[1] ?? '', line: index + 2, body: [] };
    }
  }
  return blocks;
}

/** The kdrill document kind a YAML block declares at top level, if it is a Scenario or a Drill. */
export function documentKindOf(block: CodeBlock): 'Scenario' | 'Drill' | undefined {
  if (block.lang !== 'yaml') return undefined;
  return /^kind: (Scenario|Drill)\s*$/m.exec(block.text)?.[1] as 'Scenario' | 'Drill' | undefined;
}

/** `scenarios.md:120`: where a block sits, for messages and temp file names. */
export function where(block: CodeBlock): string {
  return `${basename(block.file)}:${block.line}`;
}

/** The text under the first heading that contains `title`, up to the next heading of the same or a higher level. */
export function section(markdown: string, title: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.includes(title));
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** The first Markdown table row whose first cell is `` `id` ``. */
export function tableRow(markdown: string, id: string): string | undefined {
  return markdown.split('\n').find((l) => l.startsWith(`| \`${id}\` |`));
}
