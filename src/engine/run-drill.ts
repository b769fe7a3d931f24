import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { ProgressSink } from './progress.js';
import { KDRILL_VERSION } from '../core/version.js';
import { loadDocuments, type LoadedScenario } from '../scenario/loader.js';
import { defaultCatalog } from '../scenario/catalog.js';
import { shardScenarios } from '../scenario/shard.js';
import { renderAll } from '../reporters/registry.js';
import { FileAuditLog } from '../audit/audit-log.js';
import { runScenario } from './run-scenario.js';
import { plugins } from './plugins.js';
import { findCanaries } from './leaks.js';
import { relativeScenarioPaths } from './relative-paths.js';
import { systemClock, type Clock, type RunResults, type ScenarioResult, type Verdict } from '../contracts/types.js';

export interface DrillRunOptions {
  files: string[];
  /** Output folder (default reports/<run id>/ under the current directory). */
  outDir?: string;
  keep?: boolean;
  providerOverride?: string;
  failFast?: boolean;
  concurrency?: number;
  /** `i/n`: run only this shard of the sorted scenario list. */
  shard?: string;
  argv?: string[];
  logger: Logger;
  progress: ProgressSink;
  clock?: Clock;
  signal?: AbortSignal;
  /** A skipped check does not fail its scenario even when the scenario did not mark it optional. */
  allowSkipped?: boolean;
}

export interface DrillRunOutcome {
  results: RunResults;
  outDir: string;
  files: string[];
  exitCode: 0 | 1 | 2;
}

/** A sortable run id: UTC timestamp plus a short random suffix. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

/** Load scenarios and drills, run them (sharded, with concurrency), write every report; never throws for a failed drill. */
export async function runDrill(o: DrillRunOptions, runId = newRunId()): Promise<DrillRunOutcome> {
  const clock = o.clock ?? systemClock;
  const loaded = await loadDocuments(o.files, defaultCatalog());
  const drillSpec = loaded.drills[0]?.document.spec;
  const sharded = o.shard ? shardScenarios(loaded.scenarios, o.shard) : loaded.scenarios;
  const { runnable: selected, skipped } = skipMissingTools(sharded);
  for (const s of skipped) o.logger.warn(`skipped ${s.name}: ${s.reason}`);
  const outDir = resolve(o.outDir ?? join('reports', runId));
  await mkdir(outDir, { recursive: true });
  const audit = await FileAuditLog.open(join(outDir, 'audit.jsonl'), { runId });
  const startedAt = clock.now();
  const canaries: string[] = [];
  const signal = o.signal ?? new AbortController().signal;
  // Plugins pass the run's signal to every request and wait in flight (a restore keeps 16 going, a seed 32); each
  // listener is removed when its work ends, so Node's default limit of 10 would only print a false leak warning.
  setMaxListeners(0, signal);
  const ran = await runPool(selected, o.concurrency ?? drillSpec?.concurrency ?? 1, o.failFast ?? drillSpec?.failFast ?? false, signal, (loadedScenario) =>
    runScenario({
      runId, loaded: loadedScenario, outDir, logger: o.logger, progress: o.progress, signal, canaries,
      clock, audit, keep: o.keep ?? false, ...(o.providerOverride ? { providerOverride: o.providerOverride } : {}),
      ...(o.allowSkipped ? { allowSkipped: true } : {}),
    }),
  );
  const scenarios = ran.map((s) => relativeScenarioPaths(s, { outDir, cwd: process.cwd() }));
  const interrupted = signal.aborted ? signalName(signal.reason) : undefined;
  const verdict = interrupted ? 'error' : overall(scenarios.map((s) => s.verdict));
  const invocation = {
    argv: o.argv ?? [], ...(o.shard ? { shard: o.shard } : {}), ...(o.providerOverride ? { provider: o.providerOverride } : {}),
    ...(o.allowSkipped ? { allowSkipped: true } : {}),
  };
  const results: RunResults = {
    formatVersion: 1, runId, kdrillVersion: KDRILL_VERSION, startedAt: new Date(startedAt).toISOString(), finishedAt: new Date(clock.now()).toISOString(),
    verdict, ...(interrupted ? { interrupted } : {}), invocation, scenarios,
    ...(skipped.length ? { skippedScenarios: skipped } : {}),
  };
  const files = await renderAll(results, outDir);
  const exitCode = verdict === 'passed' ? 0 : verdict === 'failed' ? 1 : 2;
  // The no-plaintext-secrets check runs before the reports exist: scan them now, and fail the run on any leak.
  const leaks = await findCanaries([...files, join(outDir, 'audit.jsonl'), join(outDir, 'kdrill.log')], canaries);
  for (const leak of leaks) o.logger.error(`a seeded secret value appears in ${leak}: treat this run's reports as sensitive`);
  return { results, outDir, files: [...files, join(outDir, 'audit.jsonl')], exitCode: leaks.length > 0 ? Math.max(exitCode, 1) as 1 | 2 : exitCode };
}

/** Scenarios whose strategy drives a tool this machine lacks (Velero's binaries) are skipped, with the reason. */
function skipMissingTools(list: LoadedScenario[]): { runnable: LoadedScenario[]; skipped: NonNullable<RunResults['skippedScenarios']> } {
  const runnable: LoadedScenario[] = [];
  const skipped: NonNullable<RunResults['skippedScenarios']> = [];
  for (const s of list) {
    const backup = s.document.spec.backup;
    const reason = plugins.strategy(backup.strategy).missingTool?.(backup.options ?? {});
    if (reason) skipped.push({ name: s.document.metadata.name, file: relative(process.cwd(), s.file), reason });
    else runnable.push(s);
  }
  return { runnable, skipped };
}

function overall(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('error')) return 'error';
  if (verdicts.includes('failed')) return 'failed';
  return 'passed';
}

/** The signal named in an abort reason (`interrupted by SIGINT`), or `interrupted`. */
function signalName(reason: unknown): string {
  const message = reason instanceof Error ? reason.message : String(reason);
  return /\bSIG[A-Z]+\b/.exec(message)?.[0] ?? 'interrupted';
}

async function runPool(
  list: LoadedScenario[],
  concurrency: number,
  failFast: boolean,
  signal: AbortSignal,
  work: (s: LoadedScenario) => Promise<ScenarioResult>,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = new Array(list.length);
  let next = 0;
  let stop = false;
  const worker = async () => {
    // After an interruption no new scenario starts: the ones running finish their teardown and report.
    while (!stop && !signal.aborted && next < list.length) {
      const index = next++;
      results[index] = await work(list[index]!);
      if (failFast && results[index].verdict !== 'passed') stop = true;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, list.length)) }, worker));
  return results.filter(Boolean);
}
