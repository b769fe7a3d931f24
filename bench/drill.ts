import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { ensureFreshDist } from './cli.js';
import { readMemory } from './rss.js';
import type { ScenarioResult } from '../src/contracts/types.js';
import type { SuiteOutput } from './results.js';
import type { Cell } from './table.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NAMESPACES = 10;
const CHECKS = ['state-diff', 'secret-injection', 'rbac-creep', 'idempotence'] as const;
const PHASES = ['provision', 'seed', 'baseline', 'backup', 'chaos', 'restore', 'verify', 'teardown'] as const;
const PEAK_COLUMNS = ['seed', 'baseline', 'backup', 'chaos', 'restore', ...CHECKS] as const;

/**
 * A whole drill at each size: seed N objects (half Secrets, half ConfigMaps, over 10 namespaces), back them up
 * (resource-export), delete the namespaces, restore, then state-diff, secret-injection, rbac-creep and idempotence.
 * Each drill is `kdrill run` of the compiled CLI in its own process: each phase's and check's time from its
 * results.json timeline, its peak RSS (VmHWM), and the RSS sampled inside each phase and check.
 */
export async function runDrillBench(options: { sizes: number[] }): Promise<SuiteOutput> {
  ensureFreshDist();
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
    'seconds per phase from the drill timeline; rss = peak resident memory (VmHWM) of the `kdrill run` process, MiB',
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
  const out = join(dir, 'out');
  // The compiled CLI in a process of its own, as users run it: its memory is kdrill's alone (no tsx, no bench).
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kdrill.js'), '--json', 'run', file, '--output', out], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  // VmHWM is the kernel's exact peak; VmRSS, sampled every 250 ms, is attributed to the phase or check running then.
  let hwmKiB = 0;
  let current = 'provision';
  const peaks: Record<string, number> = {};
  const sample = async () => {
    const m = await readMemory(child.pid!);
    if (!m) return;
    hwmKiB = Math.max(hwmKiB, m.hwmKiB);
    peaks[current] = Math.max(peaks[current] ?? 0, m.rssKiB);
  };
  const sampler = setInterval(() => void sample(), 250);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    const event = parseEvent(line);
    if (!event) return;
    void sample();
    if (event.event === 'phase.started') current = event.phase!;
    else if (event.event === 'step.started') current = event.phase === 'verify' ? event.step! : event.phase!;
    else if (event.event === 'step.finished') current = event.phase!;
  });
  const started = Date.now();
  try {
    const code = await exited;
    const wallMs = Date.now() - started;
    const results = await readFile(join(out, 'results.json'), 'utf8').catch(() => {
      throw new Error(`kdrill run exited ${code} without results.json:\n${stderr.slice(-20).join('\n')}`);
    });
    const kib = (value: number) => Math.round(value / 1024);
    return {
      result: (JSON.parse(results) as { scenarios: ScenarioResult[] }).scenarios[0]!,
      peakRssMiB: kib(hwmKiB),
      wallMs,
      peaks: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, kib(v)])),
    };
  } finally {
    clearInterval(sampler);
    child.kill('SIGINT');
    await rm(dir, { recursive: true, force: true });
  }
}

function parseEvent(line: string): { event?: string; phase?: string; step?: string } | undefined {
  try {
    return JSON.parse(line) as { event?: string; phase?: string; step?: string };
  } catch {
    return undefined;
  }
}

function seconds(entry: { startedAt: number; endedAt?: number } | undefined): number | undefined {
  return entry?.endedAt === undefined ? undefined : (entry.endedAt - entry.startedAt) / 1000;
}
