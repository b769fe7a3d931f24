import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup } from '../src/core/cleanup.js';
import { createLogger } from '../src/core/logger.js';
import { createLocalCluster } from '../src/providers/local/create.js';
import type { LocalCluster } from '../src/providers/local/cluster.js';
import { isEtcdProcessKey } from '../src/providers/local/etcd-topology.js';
import type { SuiteOutput } from './results.js';
import { RssSampler } from './rss.js';
import { elapsedMs, summarize, type Summary } from './stats.js';
import type { Table } from './table.js';

/** The target from the task: a local control plane ready in under 10 s on 2 cores. */
export const START_TARGET_MS = 10_000;
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;

/** One timed start: milestones in ms from the call, and each component's peak RSS in MiB. */
export interface StartRun {
  readyMs: number;
  etcdHealthyMs: number;
  apiserverReadyMs: number;
  peakRssMiB: Record<string, number>;
}

/** Starts `runs` local clusters one after another (binaries already cached), each timed to ready and idled `idleSeconds`. */
export async function runClusterBench(options: { runs: number; idleSeconds: number; etcdMembers?: number }): Promise<SuiteOutput> {
  const runs: StartRun[] = [];
  for (let i = 0; i < options.runs; i++) {
    runs.push(await timeOneStart(`bench-start-${i + 1}`, options.idleSeconds, options.etcdMembers ?? 1));
    process.stderr.write(`  start ${i + 1}/${options.runs}: ready in ${(runs.at(-1)!.readyMs / 1000).toFixed(2)} s\n`);
  }
  return summarizeStarts(runs, options.idleSeconds, options.etcdMembers ?? 1);
}

async function timeOneStart(name: string, idleSeconds: number, etcdMembers: number): Promise<StartRun> {
  const home = await mkdtemp(join(tmpdir(), 'kdrill-bench-start-'));
  const dropHome = onCleanup(() => rm(home, { recursive: true, force: true }));
  const marks: Record<string, number> = {};
  let t0 = 0;
  // The provider logs "<component> ready" at debug level as each health probe passes: those are the milestones.
  const logger = createLogger({
    level: 'debug',
    format: 'json',
    write: (line) => {
      const entry = JSON.parse(line) as { level: string; msg: string };
      const component = /^(\S+) ready$/.exec(entry.msg)?.[1];
      // Members of a multi-member etcd (etcd-0, etcd-1, ...) count as etcd once the last of them is healthy.
      if (component) marks[isEtcdProcessKey(component) ? 'etcd' : component] = elapsedMs(t0);
      if (entry.level === 'warn' || entry.level === 'error') process.stderr.write(line + '\n');
    },
  });
  const sampler = new RssSampler(() => readPids(join(home, name, 'cluster.json'))).start();
  let cluster: LocalCluster | undefined;
  try {
    t0 = performance.now();
    cluster = await createLocalCluster({ name, home, logger, etcdMembers });
    const readyMs = elapsedMs(t0);
    await sleep(idleSeconds * 1000);
    const peakRssMiB = await sampler.stop();
    return { readyMs, etcdHealthyMs: marks.etcd ?? Number.NaN, apiserverReadyMs: marks['kube-apiserver'] ?? Number.NaN, peakRssMiB };
  } finally {
    await sampler.stop();
    await cluster?.destroy();
    await rm(home, { recursive: true, force: true });
    dropHome();
  }
}

async function readPids(stateFile: string): Promise<Record<string, number | undefined>> {
  return (JSON.parse(await readFile(stateFile, 'utf8')) as { pids: Record<string, number | undefined> }).pids;
}

function summarizeStarts(runs: StartRun[], idleSeconds: number, etcdMembers: number): SuiteOutput {
  const seconds = (pick: (r: StartRun) => number) => summarize(runs.map((r) => pick(r) / 1000));
  const phases: Record<string, Summary> = {
    'ready (default SA + root CA published)': seconds((r) => r.readyMs),
    'etcd healthy (incl. PKI, config files)': seconds((r) => r.etcdHealthyMs),
    'kube-apiserver /readyz (after etcd)': seconds((r) => r.apiserverReadyMs - r.etcdHealthyMs),
    'controllers working (after apiserver)': seconds((r) => r.readyMs - r.apiserverReadyMs),
  };
  const rss: Record<string, Summary> = Object.fromEntries(
    [...COMPONENTS, 'total'].map((c) => [c, summarize(runs.map((r) => (c === 'total' ? sum(Object.values(r.peakRssMiB)) : c === 'etcd' ? etcdRss(r.peakRssMiB) : (r.peakRssMiB[c] ?? 0))))]),
  );
  const ready = phases['ready (default SA + root CA published)']!;
  const timing: Table = {
    title: `Local cluster start${etcdMembers > 1 ? ` with ${etcdMembers} etcd members` : ''}, ${runs.length} run${runs.length === 1 ? '' : 's'}, cached binaries (seconds)`,
    columns: ['milestone', 'median', 'min', 'max', 'spread'],
    rows: Object.entries(phases).map(([name, s]) => [name, s.median, s.min, s.max, `${Math.round(s.spread * 100)}%`]),
  };
  const memory: Table = {
    title: `Peak RSS during start + ${idleSeconds} s idle (MiB, VmHWM)`,
    columns: ['component', 'median', 'min', 'max'],
    rows: Object.entries(rss).map(([name, s]) => [name, s.median, s.min, s.max]),
  };
  const met = ready.median * 1000 < START_TARGET_MS;
  const notes = [
    `target: ready in under ${START_TARGET_MS / 1000} s: ${met ? 'met' : 'MISSED'} (median ${ready.median.toFixed(2)} s, worst ${ready.max.toFixed(2)} s)`,
    'etcd runs with --unsafe-no-fsync (the local provider default); startup does few writes, so fsync barely matters here',
  ];
  return { tables: [timing, memory], notes, data: { targetMs: START_TARGET_MS, targetMet: met, idleSeconds, etcdMembers, runs, phases, peakRssMiB: rss } };
}

/** etcd's RSS: the one member's, or every member's together. */
function etcdRss(peak: Record<string, number>): number {
  return sum(Object.entries(peak).filter(([key]) => isEtcdProcessKey(key)).map(([, v]) => v));
}

function sum(values: number[]): number {
  return Math.round(values.reduce((a, b) => a + b, 0) * 10) / 10;
}
