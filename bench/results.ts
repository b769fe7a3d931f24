import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SuiteName } from './args.js';
import type { MachineFacts } from './machine.js';
import type { Table } from './table.js';

/** What a suite measured: tables for people, `data` (every raw figure) for comparing runs. */
export interface SuiteOutput {
  tables: Table[];
  /** Caveats printed under the tables (fsync off, target missed, machine busy). */
  notes: string[];
  data: Record<string, unknown>;
}

/** One results file: bench/results/<suite>-<timestamp>.json. */
export interface ResultFile extends SuiteOutput {
  formatVersion: 1;
  suite: SuiteName;
  startedAt: string;
  finishedAt: string;
  argv: string[];
  machine: MachineFacts;
  /** Load averages when the suite ended. */
  loadAverageAfter: number[];
}

/** Folder the results go to (git-ignored). */
export const RESULTS_DIR = new URL('./results/', import.meta.url).pathname;

/** A file-name-safe UTC timestamp: 2025-11-25T12-04-34Z. */
export function fileTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/** Writes `result` as pretty JSON; returns the path. */
export async function writeResultFile(result: ResultFile, dir = RESULTS_DIR): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${result.suite}-${fileTimestamp(new Date(result.startedAt))}.json`);
  await writeFile(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}
