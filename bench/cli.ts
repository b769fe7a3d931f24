import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KdrillError } from '../src/core/errors.js';
import type { SuiteOutput } from './results.js';
import { elapsedMs, summarize, type Summary } from './stats.js';
import type { Table } from './table.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TIME = '/usr/bin/time';

/** One command line to time; `targetMs` is issue 12's budget for it on an idle machine. */
interface CliCase {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  targetMs?: number;
}

/** Wall and CPU time of one case over its runs, in ms (CPU undefined without /usr/bin/time). */
export interface CliTiming {
  name: string;
  wall: Summary;
  cpu?: Summary;
  targetMs?: number;
}

/** The scenario library, as `kdrill validate scenarios/*.yaml drills/*.yaml` names it. */
export function libraryFiles(root = ROOT): string[] {
  return ['scenarios', 'drills'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => `${dir}/${f}`),
  );
}

function cases(): CliCase[] {
  const library = ['validate', ...libraryFiles()];
  const fromSource = { KDRILL_FROM_SOURCE: '1' };
  return [
    { name: 'kdrill --version', argv: ['--version'], targetMs: 300 },
    { name: 'kdrill --help', argv: ['--help'], targetMs: 300 },
    { name: `kdrill validate (${library.length - 1} library files)`, argv: library, targetMs: 1000 },
    { name: 'kdrill list', argv: ['list'] },
    { name: 'kdrill --version, from source (tsx)', argv: ['--version'], env: fromSource },
    { name: 'kdrill validate, from source (tsx)', argv: library, env: fromSource },
  ];
}

/**
 * `npm run bench -- cli [--runs N]`: whole `node bin/kdrill.js ...` processes, as a user's shell starts them, after one
 * untimed warm-up each (page cache). The compiled dist/ is built first and checked to be the code that runs; the
 * "from source" rows run the same commands through tsx, as before dist/ existed.
 */
export async function runCliBench(options: { runs: number }): Promise<SuiteOutput> {
  ensureFreshDist();
  const timings = cases().map((c) => timeCase(c, options.runs));
  return { tables: [timingTable(timings)], notes: targetNotes(timings), data: { timings } };
}

/** Builds dist/ and proves bin/kdrill.js runs it: timings and memory are then the compiled CLI's, not tsx's. */
export function ensureFreshDist(): void {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-dist.js')], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new KdrillError('E_BUILD_FAILED', `npm run build failed: ${build.stderr}`, { hint: 'run npm run build and fix what it reports' });
  const probe = run({ name: 'probe', argv: ['--version'], env: { KDRILL_DEBUG_ENTRY: '1' } });
  if (!probe.stderr.includes('running dist')) {
    throw new KdrillError('E_INTERNAL', `bin/kdrill.js does not run dist/ after a build: ${probe.stderr.trim()}`, { hint: 'see bin/select-entry.js' });
  }
}

function timeCase(c: CliCase, runs: number): CliTiming {
  run(c);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = run(c);
    wall.push(r.wallMs);
    if (r.cpuMs !== undefined) cpu.push(r.cpuMs);
  }
  process.stderr.write(`  ${c.name}: median ${summarize(wall).median.toFixed(0)} ms over ${runs} runs\n`);
  return { name: c.name, wall: summarize(wall), ...(cpu.length === runs ? { cpu: summarize(cpu) } : {}), ...(c.targetMs ? { targetMs: c.targetMs } : {}) };
}

function run(c: CliCase): { wallMs: number; cpuMs?: number; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kdrill-bench-cli-'));
  const timeFile = join(dir, 'time');
  const useTime = existsSync(TIME);
  const command = [process.execPath, join(ROOT, 'bin', 'kdrill.js'), ...c.argv];
  const [file, ...args] = useTime ? [TIME, '-f', '%U %S', '-o', timeFile, ...command] : command;
  try {
    const t0 = performance.now();
    const child = spawnSync(file!, args, { cwd: ROOT, env: { ...process.env, ...c.env }, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const wallMs = elapsedMs(t0);
    if (child.status !== 0) {
      throw new KdrillError('E_INTERNAL', `${c.argv.slice(0, 2).join(' ')} exited ${child.status}: ${child.stderr.slice(-500)}`, { hint: 'run it by hand' });
    }
    const [user, sys] = useTime ? readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number) : [];
    return { wallMs, ...(user !== undefined && sys !== undefined ? { cpuMs: (user + sys) * 1000 } : {}), stderr: child.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timingTable(timings: CliTiming[]): Table {
  const s = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  return {
    title: 'CLI start: whole processes, wall and CPU (user + sys) seconds',
    columns: ['command', 'wall median', 'wall min', 'wall max', 'CPU median', 'target', 'met'],
    rows: timings.map((t) => [
      t.name,
      s(t.wall.median),
      s(t.wall.min),
      s(t.wall.max),
      s(t.cpu?.median),
      t.targetMs ? `< ${t.targetMs / 1000} s` : undefined,
      t.targetMs ? (t.wall.median < t.targetMs ? 'yes' : 'NO') : undefined,
    ]),
  };
}

/** One plain sentence per target: met or missed, with the median. */
export function targetNotes(timings: readonly CliTiming[]): string[] {
  return timings
    .filter((t) => t.targetMs !== undefined)
    .map((t) => `${t.name}: median ${(t.wall.median / 1000).toFixed(2)} s, target < ${t.targetMs! / 1000} s: ${t.wall.median < t.targetMs! ? 'met' : 'MISSED'}`);
}
