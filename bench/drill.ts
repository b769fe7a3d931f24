import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runDrill } from '../src/engine/run-drill.js';
import { nullProgress } from '../src/cli/progress.js';
import type { ProgressSink } from '../src/engine/progress.js';
import { createLogger } from '../src/core/logger.js';
import type { ScenarioResult } from '../src/contracts/types.js';
import type { SuiteOutput } from './results.js';
import type { Cell } from './table.js';

const NAMESPACES = 10;
const CHECKS = ['state-diff', 'secret-injection', 'rbac-creep', 'idempotence'] as const;
const PHASES = ['provision', 'seed', 'baseline', 'backup', 'chaos', 'restore', 'verify', 'teardown'] as const;
const PEAK_COLUMNS = ['seed', 'baseline', 'backup', 'chaos', 'restore', ...CHECKS] as const;

/**
 * A whole drill at each size: seed N objects (half Secrets, half ConfigMaps, over 10 namespaces), back them up
 * (resource-export), delete the namespaces, restore, then state-diff, secret-injection, rbac-creep and idempotence.
 * Each phase's and check's time from the run's own timeline, and kdrill's peak RSS (this process) during the drill.
 */
export async function runDrillBench(options: { sizes: number[] }): Promise<SuiteOutput> {
  const rows: Cell[][] = [];
  const peakRows: Cell[][] = [];
  const data: Record<string, unknown>[] = [];
  for (const size of options.sizes) {
    process.stderr.write(`bench drill: ${size} objects…\n`);
    const { result, peakRssMiB, wallMs, peaks } = await oneDrill(size);
    const phase = (p: string) => seconds(result.timeline.find((e) => e.phase === p && !e.step));
    const check = (c: string) => seconds(result.timeline.find((e) => e.phase === 'verify' && e.step === c));
    rows.push([size, wallMs / 1000, ...PHASES.slice(1, 6).map(phase), ...CHECKS.map(check), peakRssMiB, result.verdict]);
    data.push({ size, wallMs, peakRssMiB, peakRssMiBByPhase: peaks, verdict: result.verdict, timeline: result.timeline, restore: result.restore });
    peakRows.push([size, ...PEAK_COLUMNS.map((c) => peaks[c])]);
  }
  const notes = [
    'seconds per phase from the drill timeline; rss = peak resident memory of the kdrill process (node) during the drill, MiB',
    'targets (issue 12, 2 cores): 10k objects < 60 s end to end; 50k < 5 min with RSS < 500 MiB',
  ];
  const failed = data.filter((d) => d.verdict !== 'passed');
  if (failed.length) notes.push(`drill did not pass at ${failed.map((d) => d.size).join(', ')} objects: figures are not comparable`);
  return {
    tables: [
      { title: 'whole drill (resource-export, delete-namespaces)', columns: ['objects', 'total s', 'seed', 'baseline', 'backup', 'chaos', 'restore', ...CHECKS, 'rss MiB', 'verdict'], rows },
      { title: "kdrill's peak RSS (MiB) inside each phase and check", columns: ['objects', ...PEAK_COLUMNS], rows: peakRows },
    ],
    notes,
    data: { runs: data },
  };
}

async function oneDrill(size: number): Promise<{ result: ScenarioResult; peakRssMiB: number; wallMs: number; peaks: Record<string, number> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kdrill-bench-drill-'));
  const perKind = Math.max(1, Math.round(size / NAMESPACES / 2));
  const names = Array.from({ length: NAMESPACES }, (_, i) => `bench-${i}`);
  const file = join(dir, 'drill.yaml');
  await writeFile(file, stringify({
    apiVersion: 'kdrill.dev/v1alpha1', kind: 'Scenario', metadata: { name: `bench-drill-${size}` },
    spec: {
      cluster: { provider: 'local' },
      fixtures: { generate: { namespaces: NAMESPACES, secretsPerNamespace: perKind, configMapsPerNamespace: perKind, namePrefix: 'bench' } },
      backup: { strategy: 'resource-export', options: { namespaces: names } },
      chaos: [{ step: 'delete-namespaces', options: { names } }],
      checks: CHECKS.map((check) => ({ check, ...(check === 'rbac-creep' ? {} : { options: { namespaces: names } }) })),
      timeouts: { seed: '30m', backup: '30m', chaos: '30m', restore: '60m', verify: '60m' },
    },
  }));
  // Peak RSS overall and inside each phase (checks count on their own: idempotence runs a whole second restore).
  let peak = process.memoryUsage().rss;
  let current = 'provision';
  const peaks: Record<string, number> = {};
  const sample = () => {
    const rss = process.memoryUsage().rss;
    peak = Math.max(peak, rss);
    peaks[current] = Math.max(peaks[current] ?? 0, rss);
  };
  const sampler = setInterval(sample, 250);
  const progress: ProgressSink = {
    ...nullProgress,
    phaseStarted: (_s, phase) => void (sample(), (current = phase)),
    stepStarted: (_s, phase, step) => void (sample(), (current = phase === 'verify' ? step : phase)),
    stepFinished: (_s, phase) => void (sample(), (current = phase)),
  };
  const started = Date.now();
  try {
    const outcome = await runDrill({ files: [file], outDir: join(dir, 'out'), logger: createLogger({ level: 'warn' }), progress });
    sample();
    const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
    return { result: outcome.results.scenarios[0]!, peakRssMiB: mib(peak), wallMs: Date.now() - started, peaks: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, mib(v)])) };
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
  }
}

function seconds(entry: { startedAt: number; endedAt?: number } | undefined): number | undefined {
  return entry?.endedAt === undefined ? undefined : (entry.endedAt - entry.startedAt) / 1000;
}
