import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KdrillError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { Reporter, RunResults } from '../contracts/types.js';
import { COUNT_ORDER, orderedKeys, redactDeep, sortKeysDeep } from './format.js';

/** The file name of the source-of-truth results. */
export const RESULTS_FILE = 'results.json';

// Known records keep the declaration order of src/contracts/types.ts; unknown keys follow, sorted.
const ORDER = {
  run: ['formatVersion', 'runId', 'kdrillVersion', 'startedAt', 'finishedAt', 'verdict', 'interrupted', 'invocation', 'scenarios', 'skippedScenarios'],
  invocation: ['argv', 'shard', 'provider', 'allowSkipped'],
  scenario: [
    'name', 'description', 'file', 'scenarioHash', 'verdict', 'startedAt', 'finishedAt', 'durationMs', 'error',
    'environment', 'backup', 'restore', 'measurements', 'timeline', 'checks', 'objectives', 'artifacts',
  ],
  error: ['code', 'message', 'hint', 'phase'],
  environment: ['provider', 'kubernetesVersion', 'etcdVersion', 'kdrillVersion', 'nodeVersion', 'platform'],
  backup: ['id', 'strategy', 'store', 'sizeBytes', 'artifacts', 'metadata'],
  restore: ['strategy', 'target', 'attempts', 'counts', 'notes'],
  counts: COUNT_ORDER,
  measurements: ['rtoMs', 'rpoMs', 'backupAgeMs', 'lostWrites', 'writesAfterBackup'],
  timeline: ['phase', 'step', 'startedAt', 'endedAt', 'status', 'note'],
  check: ['id', 'name', 'expect', 'optional', 'status', 'asExpected', 'durationMs', 'summary', 'decisive', 'evidence', 'recommendation'],
  // Evidence keeps the check's own top-level order (findings before samples); what is inside is sorted.
  evidence: [],
  objective: ['name', 'target', 'targetMs', 'measuredMs', 'passed', 'explanation'],
} as const;

// Which known record each field of a known record holds; fields not listed are free-form (keys sorted).
const CHILDREN: Record<string, Record<string, keyof typeof ORDER>> = {
  run: { invocation: 'invocation', scenarios: 'scenario' },
  restore: { counts: 'counts' },
  check: { evidence: 'evidence' },
  scenario: {
    error: 'error', environment: 'environment', backup: 'backup', restore: 'restore',
    measurements: 'measurements', timeline: 'timeline', checks: 'check', objectives: 'objective',
  },
};

function ordered(value: unknown, kind: keyof typeof ORDER): unknown {
  if (Array.isArray(value)) return value.map((item) => ordered(item, kind));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = kind === 'evidence' ? Object.keys(record) : orderedKeys(record, ORDER[kind]);
  const children = CHILDREN[kind] ?? {};
  return Object.fromEntries(
    keys.map((k) => {
      const child = children[k];
      return [k, child ? ordered(record[k], child) : sortKeysDeep(record[k])];
    }),
  );
}

/** A redacted copy with known fields in contract order and free-form maps sorted: every reporter renders this. */
export function normalizeResults(results: RunResults): RunResults {
  return ordered(redactDeep(results), 'run') as RunResults;
}

/** RunResults as stable text: normalized, 2-space indent, redacted. */
export function serializeResults(results: RunResults): string {
  return redact(JSON.stringify(normalizeResults(results), null, 2) + '\n');
}

/** Writes results.json: the source of truth the other reports (and `kdrill report`) are rendered from. */
export const jsonReporter: Reporter = {
  id: 'json',
  description: `${RESULTS_FILE}: every result and measurement, the source of truth`,
  async write(results, outDir) {
    await mkdir(outDir, { recursive: true });
    const path = join(outDir, RESULTS_FILE);
    await writeFile(path, serializeResults(results), 'utf8');
    return [path];
  },
};

const HINT = 'pass the results.json that `kdrill run` wrote into its output folder';

/** Read a results.json back (for `kdrill report`); a missing, unparsable or foreign file is a KdrillError. */
export async function readResults(path: string): Promise<RunResults> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new KdrillError('E_COMMAND', `cannot read ${path} (${code})`, { hint: HINT });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new KdrillError('E_COMMAND', `${path} is not JSON: ${(error as Error).message}`, { hint: HINT });
  }
  const problem = shapeProblem(data);
  if (problem) throw new KdrillError('E_COMMAND', `${path} is not a kdrill results file: ${problem}`, { hint: HINT });
  return data as RunResults;
}

function shapeProblem(data: unknown): string | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'expected an object';
  const run = data as Partial<RunResults>;
  if (run.formatVersion !== 1) return `formatVersion is ${JSON.stringify(run.formatVersion)}, this kdrill reads 1`;
  if (typeof run.runId !== 'string' || !Array.isArray(run.scenarios)) return 'runId or scenarios missing';
  for (const [i, s] of run.scenarios.entries()) {
    const lists = ['timeline', 'checks', 'objectives', 'artifacts'] as const;
    if (typeof s?.name !== 'string' || lists.some((k) => !Array.isArray(s[k])) || typeof s.environment !== 'object' || typeof s.measurements !== 'object') {
      return `scenarios[${i}] lacks name, environment, measurements, timeline, checks, objectives or artifacts`;
    }
  }
  return undefined;
}
