import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { KdrillError } from '../core/errors.js';
import type { RawProblem } from './ajv-problems.js';
import { describe } from './ajv-problems.js';
import { formatPath, PositionIndex } from './positions.js';
import type { Problem } from './problems.js';
import { isRecord } from './records.js';

/** A YAML file parsed into plain data, with what it takes to point problems at lines. */
export interface Source {
  /** Absolute path. */
  file: string;
  /** The path as shown to users: relative to the working directory when inside it. */
  display: string;
  text: string;
  index: PositionIndex;
  /** The document as plain data: always a mapping (other documents are problems). */
  data: Record<string, unknown>;
}

/** Either a parsed source or the problems that kept it from being one (YAML syntax, empty or non-mapping document). */
export type SourceResult = { source: Source; problems?: undefined } | { source?: undefined; problems: Problem[] };

/** `file` as users should see it: relative to the working directory when inside it, absolute otherwise. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** Reads and parses a scenario or drill file; a missing or unreadable file throws E_SCENARIO_NOT_FOUND. */
export async function readSource(file: string): Promise<SourceResult> {
  const absolute = path.resolve(file);
  const display = displayPath(absolute);
  const text = await readText(absolute, display);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, message: string, hint?: string): Problem => {
    const { line, col } = lines.linePos(offset);
    return { file: display, line, column: col, path: '', message, hint };
  };
  if (doc.errors.length > 0) return { problems: doc.errors.map((e) => yamlProblem(e, text, at)) };
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    return { problems: [at(0, `cannot read the YAML: ${(error as Error).message}`)] };
  }
  if (!isRecord(data)) {
    const got = data === null || data === undefined ? 'an empty document' : describe(data);
    return { problems: [at(doc.contents?.range?.[0] ?? 0, `expected a Scenario or Drill mapping (apiVersion, kind, metadata, spec), got ${got}`)] };
  }
  return { source: { file: absolute, display, text, index: new PositionIndex(doc, lines), data } };
}

/** Places a raw problem in a source file. */
export function locate(source: Source, raw: RawProblem): Problem {
  const { line, column } = source.index.locate(raw.path, raw.at);
  const problem: Problem = { file: source.display, line, column, path: formatPath(raw.path), message: raw.message };
  if (raw.hint) problem.hint = raw.hint;
  return problem;
}

async function readText(absolute: string, display: string): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'unknown error'})`;
    throw new KdrillError('E_SCENARIO_NOT_FOUND', `scenario file ${display} ${reason}`, {
      hint: code === 'EISDIR' ? `pass YAML files, e.g. ${display}/*.yaml` : `check the path (relative to ${process.cwd()})`,
      cause: error,
    });
  }
}

function yamlProblem(error: YAMLError, text: string, at: (offset: number, message: string, hint?: string) => Problem): Problem {
  const [start] = error.pos;
  if (error.code === 'DUPLICATE_KEY') {
    return at(start, `duplicate key "${keyAt(text, start)}"`, 'each key may appear once per mapping: remove or merge the repeated one');
  }
  if (error.code === 'MULTIPLE_DOCS') {
    return at(start, 'the file holds more than one YAML document', 'put each scenario in its own file (remove the `---` separator)');
  }
  return at(start, `YAML syntax error: ${error.message}`, 'check indentation, quotes and brackets around this position');
}

// yaml reports a duplicate key by its first character only: read the whole key (plain or quoted) from there.
function keyAt(text: string, offset: number): string {
  const match = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:\n#]*?))\s*:/.exec(text.slice(offset));
  return (match?.[1] ?? match?.[2]?.replace(/''/g, "'") ?? match?.[3] ?? text.slice(offset, offset + 1)).trim();
}
