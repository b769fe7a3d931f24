import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runDrill } from '../src/engine/run-drill.js';
import { createLogger } from '../src/core/logger.js';
import { veleroMissing } from '../src/strategies/velero/binaries.js';
import type { ScenarioResult } from '../src/contracts/types.js';
import type { SuiteOutput } from './results.js';
import type { Cell } from './table.js';
import { phaseCpuProbe, type PhaseCpu } from './cpu.js';

const NAMESPACES = 10;
const STRATEGIES = ['resource-export', 'velero'] as const;

/**
 * kdrill's restore next to Velero's, on the same kind of cluster and the same N Secrets: one drill per strategy and
 * size (seed N Secrets over 10 namespaces, back up, delete the namespaces, restore, state-diff). Backup and restore
 * seconds come from each drill's timeline; objects/s = N / restore seconds.
 */
export async function runVeleroBench(options: { sizes: number[] }): Promise<SuiteOutput> {
  const missing = veleroMissing();
  if (missing) return { tables: [], notes: [`skipped: ${missing}`], data: {} };
  const rows: Cell[][] = [];
  const runs: Record<string, unknown>[] = [];
  for (const size of options.sizes) {
    const restoreSeconds: Record<string, number> = {};
    for (const strategy of STRATEGIES) {
      process.stderr.write(`bench velero: ${strategy}, ${size} Secrets…\n`);
      const { result, cpu } = await oneDrill(strategy, size);
      const seconds = (phase: string) => span(result.timeline.find((e) => e.phase === phase && !e.step));
      const restore = seconds('restore') ?? Number.NaN;
      restoreSeconds[strategy] = restore;
      const perThousand = (s: number | undefined) => (s === undefined ? undefined : Math.round((s / size) * 1000 * 100) / 100);
      rows.push([size, strategy, seconds('backup'), restore, size / restore, perThousand(cpu?.apiserver), perThousand(cpu?.etcd), perThousand(cpu?.tool), result.verdict]);
      runs.push({ size, strategy, verdict: result.verdict, timeline: result.timeline, restore: result.restore, restoreCpuSeconds: cpu });
    }
    rows.push([size, 'kdrill / Velero', undefined, undefined, `${(restoreSeconds.velero! / restoreSeconds['resource-export']!).toFixed(1)}x`, undefined, undefined, undefined, '']);
  }
  return {
    tables: [{ title: 'restore of N Secrets: kdrill (resource-export) next to Velero (v1.18, AWS plugin, run locally)', columns: ['Secrets', 'strategy', 'backup s', 'restore s', 'objects/s', 'apiserver CPU s/1k', 'etcd CPU s/1k', 'tool CPU s/1k', 'verdict'], rows }],
    notes: [
      'each row is a whole drill on its own local cluster; Velero backs up to a throw-away versitygw bucket',
      'CPU s/1k: CPU seconds (user + system, /proc) per 1000 restored objects during the restore phase; tool = kdrill\'s process plus the children it reaped (Velero\'s server and CLI)',
      'issue 12 target: kdrill >= 20x Velero',
    ],
    data: { runs },
  };
}

async function oneDrill(strategy: (typeof STRATEGIES)[number], size: number): Promise<{ result: ScenarioResult; cpu: PhaseCpu | undefined }> {
  const dir = await mkdtemp(join(tmpdir(), 'kdrill-bench-velero-'));
  const names = Array.from({ length: NAMESPACES }, (_, i) => `bench-${i}`);
  const file = join(dir, 'scenario.yaml');
  const backupOptions = strategy === 'velero' ? { includeNamespaces: names, timeoutSeconds: 7200 } : { namespaces: names };
  await writeFile(file, stringify({
    apiVersion: 'kdrill.dev/v1alpha1', kind: 'Scenario', metadata: { name: `bench-${strategy}-${size}` },
    spec: {
      cluster: { provider: 'local' },
      fixtures: { generate: { namespaces: NAMESPACES, secretsPerNamespace: Math.max(1, Math.round(size / NAMESPACES)), namePrefix: 'bench' } },
      backup: { strategy, options: backupOptions },
      chaos: [{ step: 'delete-namespaces', options: { names } }],
      checks: [{ check: 'state-diff', options: { namespaces: names, kinds: ['Secret'], ignoreFields: ["metadata.labels['velero.io/backup-name']", "metadata.labels['velero.io/restore-name']"] } }],
      timeouts: { seed: '30m', backup: '2h', chaos: '30m', restore: '2h', verify: '30m' },
    },
  }));
  try {
    const probe = phaseCpuProbe('restore');
    const outcome = await runDrill({ files: [file], outDir: join(dir, 'out'), logger: createLogger({ level: 'warn' }), progress: probe.sink });
    return { result: outcome.results.scenarios[0]!, cpu: probe.result() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function span(entry: { startedAt: number; endedAt?: number } | undefined): number | undefined {
  return entry?.endedAt === undefined ? undefined : (entry.endedAt - entry.startedAt) / 1000;
}
