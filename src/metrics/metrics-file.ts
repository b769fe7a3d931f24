import { readFile } from 'node:fs/promises';
import { KdrillError } from '../core/errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { RunResults } from '../contracts/types.js';
import { drillFamilies, lastSuccessByScenario } from './drill-metrics.js';
import { ExpositionError, parseExposition, renderExposition, type MetricFamily } from './exposition.js';

/**
 * `kdrill run --metrics-file F`: node-exporter's textfile collector format, replaced atomically (temp file + rename in
 * the same folder, mode 0644 so the exporter's user can read it). Scenarios of earlier runs that this run did not
 * include keep their series, so shards or separate drills can share one file; a failed drill keeps the scenario's last
 * success time from the file.
 */
export async function writeMetricsFile(path: string, results: RunResults): Promise<void> {
  const before = await readMetricsFile(path);
  const success = lastSuccessByScenario(before);
  const current = drillFamilies(results, (scenario) => success.get(scenario));
  const ran = new Set(results.scenarios.map((s) => s.name));
  const kept = before.map((f) => ({ ...f, samples: f.samples.filter((s) => s.labels.scenario === undefined || !ran.has(s.labels.scenario)) }));
  await writeFileAtomic(path, renderExposition(mergeFamilies(current, kept)), 0o644);
}

/** The families already in `path` (none when it does not exist); E_METRICS naming the line when it does not parse. */
export async function readMetricsFile(path: string): Promise<MetricFamily[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new KdrillError('E_METRICS', `cannot read metrics file ${path}: ${(error as Error).message}`, { hint: 'check the path and its permissions' });
  }
  try {
    return parseExposition(text);
  } catch (error) {
    const why = error instanceof ExpositionError ? error.message : String(error);
    throw new KdrillError('E_METRICS', `metrics file ${path} is not valid exposition format (${why}); not replacing it`, {
      hint: 'move the file aside (it holds the last-success times kdrill would carry over) and run again',
    });
  }
}

/** `current` families first (catalog order), each with the kept samples of other scenarios appended; then families only `kept` has. */
function mergeFamilies(current: MetricFamily[], kept: MetricFamily[]): MetricFamily[] {
  const out = current.map((f) => ({ ...f, samples: [...f.samples, ...(kept.find((k) => k.name === f.name)?.samples ?? [])] }));
  const names = new Set(current.map((f) => f.name));
  return [...out, ...kept.filter((k) => !names.has(k.name))];
}
