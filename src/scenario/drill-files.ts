import { stat } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { RawProblem } from './ajv-problems.js';
import { displayPath } from './source.js';

/** The scenario files a drill lists: absolute, deduplicated, sorted; plus a problem for each entry that names nothing. */
export interface DrillFiles {
  files: string[];
  problems: RawProblem[];
}

/** Resolves `spec.scenarios` entries (paths or globs, relative to `dir`, the drill file's folder). */
export async function resolveDrillFiles(entries: unknown, dir: string, self: string): Promise<DrillFiles> {
  const files = new Set<string>();
  const problems: RawProblem[] = [];
  if (!Array.isArray(entries)) return { files: [], problems };
  for (const [i, entry] of entries.entries()) {
    if (typeof entry !== 'string') continue; // the schema reports it
    const matches = (await expand(entry, dir)).filter((file) => file !== self);
    if (matches.length === 0) problems.push(missing(entry, dir, i));
    for (const file of matches) files.add(file);
  }
  return { files: [...files].sort(), problems };
}

async function expand(entry: string, dir: string): Promise<string[]> {
  if (isDynamicPattern(entry)) {
    const found = await glob(entry, { cwd: dir, absolute: true, onlyFiles: true, expandDirectories: false });
    return found.map((file) => path.resolve(file));
  }
  const file = path.resolve(dir, entry);
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ? [file] : [];
}

function missing(entry: string, dir: string, index: number): RawProblem {
  const where = `paths and globs are relative to the drill file's folder (${displayPath(dir) || '.'})`;
  const message = isDynamicPattern(entry) ? `no file matches "${entry}"` : `scenario file "${entry}" not found`;
  return { path: ['spec', 'scenarios', index], at: 'value', message, hint: where };
}
