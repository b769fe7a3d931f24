import { DEFAULT_PARALLELISM } from '../src/strategies/resource-export/options.js';
import { parseArgs } from 'node:util';
import { KdrillError } from '../src/core/errors.js';

/** The benchmark suites, in the order `npm run bench` (all) runs them. */
export const SUITES = ['cluster', 'strategies', 'cli', 'drill', 'velero', 'writes'] as const;
export type SuiteName = (typeof SUITES)[number];

/** What one `npm run bench -- ...` invocation asked for, defaults filled in. */
export interface BenchArgs {
  suites: SuiteName[];
  /** Object counts for the strategies and drill suites. */
  sizes: number[];
  /** Cluster starts to time. */
  runs: number;
  /** Seconds of idle after each start during which RSS is still sampled. */
  idleSeconds: number;
  /** Requests in flight for raw creates and for the resource-export restore. */
  parallelism: number;
  /** etcd fsync in the strategies suite's cluster (the local provider's default is off). */
  fsync: boolean;
  /** etcd members of the clusters the cluster suite starts (1, 3 or 5). */
  etcdMembers: number;
}

const USAGE = 'usage: npm run bench -- [cluster|strategies|cli|drill|velero|writes|all] [--sizes 1000,10000] [--runs 5] [--idle 5] [--parallelism 32] [--fsync on|off] [--etcd-members 1|3|5]';

/** Parses the arguments after `npm run bench --`; throws KdrillError E_SCENARIO_INVALID naming the bad one. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        sizes: { type: 'string', default: '1000,10000' },
        runs: { type: 'string', default: '5' },
        idle: { type: 'string', default: '5' },
        parallelism: { type: 'string', default: String(DEFAULT_PARALLELISM) },
        fsync: { type: 'string', default: 'on' },
        'etcd-members': { type: 'string', default: '1' },
      },
    });
  } catch (error) {
    throw invalid((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw invalid(`one suite at a time, got ${positionals.join(' ')}`);
  if (values.fsync !== 'on' && values.fsync !== 'off') throw invalid(`--fsync must be on or off, got ${values.fsync}`);
  if (!['1', '3', '5'].includes(values['etcd-members'])) throw invalid(`--etcd-members must be 1, 3 or 5, got ${values['etcd-members']}`);
  return {
    suites: suitesOf(positionals[0] ?? 'all'),
    sizes: values.sizes.split(',').map((s) => positiveInt('--sizes', s)),
    runs: positiveInt('--runs', values.runs),
    idleSeconds: nonNegativeInt('--idle', values.idle),
    parallelism: positiveInt('--parallelism', values.parallelism),
    fsync: values.fsync === 'on',
    etcdMembers: Number(values['etcd-members']),
  };
}

function suitesOf(name: string): SuiteName[] {
  if (name === 'all') return [...SUITES];
  if ((SUITES as readonly string[]).includes(name)) return [name as SuiteName];
  throw invalid(`unknown suite ${name}`);
}

function positiveInt(flag: string, text: string): number {
  const n = nonNegativeInt(flag, text);
  if (n === 0) throw invalid(`${flag} must be at least 1`);
  return n;
}

function nonNegativeInt(flag: string, text: string): number {
  const trimmed = text.trim().replace(/_/g, '');
  if (!/^\d+$/.test(trimmed)) throw invalid(`${flag} expects whole numbers, got "${text}"`);
  return Number(trimmed);
}

function invalid(message: string): KdrillError {
  return new KdrillError('E_SCENARIO_INVALID', `bench: ${message}`, { hint: USAGE });
}
