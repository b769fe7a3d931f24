import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { KdrillError } from '../core/errors.js';
import { removeOnExit } from '../core/cleanup.js';
import type { Logger } from '../core/logger.js';
import type { ProgressSink } from './progress.js';
import { KDRILL_VERSION } from '../core/version.js';
import type { LoadedScenario } from '../scenario/loader.js';
import type { PhaseName } from '../scenario/schema.js';
import { seedFixtures } from '../fixtures/seed.js';
import type { AuditLog } from '../audit/audit-log.js';
import { auditScopeOf, clusterAudit } from '../audit/actor.js';
import { createDrillContext, type EngineContext } from './context.js';
import { countMarkers, writeMarker } from './markers.js';
import { evaluateObjectives, measureRpo } from './objectives.js';
import { errorInfo, interruption, oneLine, PhaseError, phaseRunner, type PhaseRunner } from './phases.js';
import { plugins } from './plugins.js';
import { runRestorePhase } from './restore-phase.js';
import { runBaselines, runChecks } from './verify-phase.js';
import { openScenarioStorage, STORE_KEYS_FACT } from './storage.js';
import { Timeline } from './timeline.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import type { CheckOutcome, CheckResult, Clock, ScenarioResult } from '../contracts/types.js';
import type { ScenarioSpecType } from '../scenario/schema.js';
import { formatDuration } from '../scenario/duration.js';
import { backupBaselineSource } from './backup-baseline.js';
import { backupAgeMs, judgeBackupAge, judgeSourceWrites, openExistingBackup } from './existing-backup.js';
import { isolationReport } from './isolation.js';
import { preflight } from './preflight.js';
import { firstWrites, removeOwnWrites, sourceOf, type SourceCluster } from './own-writes.js';

export interface ScenarioRunOptions {
  runId: string;
  loaded: LoadedScenario;
  /** The run's output folder; this scenario writes into `<outDir>/<scenario name>/`. */
  outDir: string;
  logger: Logger;
  progress: ProgressSink;
  signal: AbortSignal;
  clock: Clock;
  audit: AuditLog;
  /** Leave clusters running after the scenario (prints how to reach them). */
  keep?: boolean;
  /** --provider: run on this provider instead of the scenario's. */
  providerOverride?: string;
  /** Receives the scenario's canary values, so the drill can scan its rendered reports for them. */
  canaries?: string[];
  /** --allow-skipped: a skipped check does not fail the scenario even when it is not optional. */
  allowSkipped?: boolean;
}

/** What the engine knows while it runs; `engineChecks` are results the engine judges itself (backup-age, source-untouched). */
type PartialResult = Omit<ScenarioResult, 'verdict' | 'finishedAt' | 'durationMs' | 'objectives' | 'artifacts'> & { engineChecks: CheckResult[] };

const AFTER_MARKERS = ['after-backup-1', 'after-backup-2', 'after-backup-3'];

/** Run one scenario through provision → seed → baseline → backup → chaos → restore → verify → teardown. Never throws. */
export async function runScenario(o: ScenarioRunOptions): Promise<ScenarioResult> {
  const scenario = o.loaded.document;
  const name = scenario.metadata.name;
  const timeline = new Timeline(o.clock);
  const startedAt = o.clock.now();
  const artifactsDir = join(o.outDir, name);
  await mkdir(artifactsDir, { recursive: true });
  const workDir = await mkdtemp(join(tmpdir(), `kdrill-${name}-`));
  // Decrypted backup material (an etcd snapshot, the encryption config that opens it) lives only in this private
  // (0700) dir. It stays registered until the process exits: after Ctrl-C a restore still in flight may write into
  // it again after teardown removed it, and the exit handler must remove that too.
  removeOnExit(workDir);
  const phases = phaseRunner(name, scenario, timeline, o.progress, o.signal);
  const providerId = o.providerOverride ?? scenario.spec.cluster?.provider ?? 'local';
  const logger = o.logger.child({ scenario: name });
  const result: PartialResult = {
    name,
    ...(scenario.metadata.description ? { description: scenario.metadata.description } : {}),
    file: o.loaded.file,
    scenarioHash: o.loaded.hash,
    startedAt: new Date(startedAt).toISOString(),
    environment: { provider: providerId, kdrillVersion: KDRILL_VERSION, nodeVersion: process.version, platform: `${process.platform}/${process.arch}` },
    measurements: {},
    timeline: timeline.entries,
    checks: [],
    engineChecks: [],
  };
  let ctx: EngineContext | undefined;
  let source: SourceCluster | undefined;
  let failedPhase: PhaseName | undefined;
  let kept: { name: string; kubeconfig: string }[] = [];
  o.progress.scenarioStarted(name);
  try {
    ctx = await provision(o, phases, { artifactsDir, workDir, providerId, logger }, result);
    source = sourceOf(ctx);
    await seed(o, ctx, phases, source);
    await runDrillBody(o, ctx, phases, result, source);
  } catch (error) {
    failedPhase = error instanceof PhaseError ? error.phase : undefined;
    // Ctrl-C: the errors that stopping things caused (a refused connection, a cluster that would not start) are
    // symptoms; the interruption is the cause.
    result.error = o.signal.aborted ? interruption(o.signal.reason, failedPhase) : errorInfo(error, failedPhase);
    logger.error(`scenario stopped in ${failedPhase ?? 'setup'}: ${o.signal.aborted ? result.error.message : oneLine(error)}`);
  } finally {
    timeline.closeDangling();
    if (ctx) o.canaries?.push(...ctx.canaries);
    if (source) judgeSource(source, result, o.loaded.document.spec);
    kept = await teardown(o, phases, ctx, source, workDir, logger);
  }
  const finished = await finish(o, result, failedPhase, startedAt, artifactsDir);
  return kept.length > 0 ? { ...finished, keptClusters: kept } : finished;
}

async function provision(
  o: ScenarioRunOptions,
  phases: PhaseRunner,
  dirs: { artifactsDir: string; workDir: string; providerId: string; logger: Logger },
  result: Pick<ScenarioResult, 'environment'>,
): Promise<EngineContext> {
  const scenario = o.loaded.document;
  const provider = plugins.provider(dirs.providerId);
  const cluster = await phases.run('provision', async (signal) => {
    const reason = await provider.unavailableReason();
    if (reason) throw new KdrillError('E_CLUSTER_START', `provider ${provider.id} cannot run here: ${reason}`, { hint: 'use --provider local' });
    const clusterName = `${scenario.metadata.name}-${o.runId.slice(-6)}`.slice(0, 63);
    const created = await provider.create({ name: clusterName, options: scenario.spec.cluster?.options ?? {}, logger: dirs.logger, signal });
    // The phase timed out (or Ctrl-C) while the cluster was starting: nobody owns it now, so stop it here.
    if (signal.aborted) {
      await created.destroy();
      throw new KdrillError('E_ABORTED', `cluster ${created.name} was ready only after the provision phase ended`);
    }
    // Refuse an unsafe drill before anything is written (markers, fixtures); destroy() of a cluster kdrill did not
    // create only forgets it.
    try {
      preflight({ cluster: created, scenario }, scenario.spec);
    } catch (error) {
      await created.destroy();
      throw error;
    }
    return created;
  }, (c) => `${c.name} (Kubernetes ${c.versions.kubernetes})`);
  result.environment.kubernetesVersion = cluster.versions.kubernetes;
  if (cluster.versions.etcd) result.environment.etcdVersion = cluster.versions.etcd;
  await o.audit.record({ action: 'cluster.create', subject: cluster.name, details: { provider: provider.id, purpose: 'drill' }, scope: auditScopeOf(cluster) });
  // Store reads and writes name the cluster the drill is on at that moment (a fresh restore target, later).
  const owner: { ctx?: EngineContext } = {};
  const storeAudit = clusterAudit(o.audit, () => owner.ctx?.cluster ?? cluster);
  // Until the context owns the cluster, a failure here (a bad KMS key, say) must not leak it.
  const { keys, store } = await openScenarioStorage(scenario, { scenarioDir: o.loaded.dir, artifactsDir: dirs.artifactsDir, workDir: dirs.workDir }, storeAudit, dirs.logger)
    .catch(async (error: unknown) => {
      if (cluster.createdByKdrill) await (o.keep ? cluster.detach?.() : cluster.destroy());
      throw new PhaseError('provision', error);
    });
  const ctx = createDrillContext({
    runId: o.runId, scenario, scenarioDir: o.loaded.dir, logger: dirs.logger, signal: o.signal, clock: o.clock,
    artifactsDir: dirs.artifactsDir, workDir: dirs.workDir, provider, cluster, store, keys, audit: o.audit,
    providerOptions: scenario.spec.cluster?.options ?? {},
  });
  owner.ctx = ctx;
  ctx.facts.set('run.logFiles', [join(o.outDir, 'kdrill.log')]);
  ctx.facts.set(STORE_KEYS_FACT, keys);
  return ctx;
}

/** Seed phase: kdrill's marker namespace and first marker (where it may write them), then the scenario's fixtures. */
async function seed(o: ScenarioRunOptions, ctx: EngineContext, phases: PhaseRunner, source: SourceCluster): Promise<void> {
  await phases.run('seed', () => seedFixtures(ctx, { beforeApply: firstWrites(source, ctx, () => o.clock.now()) }),
    (r) => `${r.objects} objects, ${r.canaries} canaries${source.markers ? '' : ' (no RPO markers: kdrill did not create this cluster)'}`);
}

async function runDrillBody(o: ScenarioRunOptions, ctx: EngineContext, phases: PhaseRunner, result: PartialResult, source: SourceCluster): Promise<void> {
  const spec = o.loaded.document.spec;
  const m = result.measurements;
  // A baseline read out of the backup needs the backup first; otherwise the baseline is the state right before it.
  const backupFirst = spec.backup.from !== undefined || spec.baseline === 'backup';
  let baselines = backupFirst ? undefined : await takeBaselines(ctx, spec, phases, result);
  const backupStartedAt = await backupPhase(o, ctx, phases, result, source);
  baselines ??= await takeBaselines(ctx, spec, phases, result);

  const chaosStartedAt = o.clock.now();
  m.backupAgeMs = chaosStartedAt - backupStartedAt;
  m.rpoMs = measureRpo(backupStartedAt, chaosStartedAt);
  const now = (spec.chaos ?? []).filter((s) => s.during !== 'restore');
  if (now.length === 0) phases.skip('chaos', 'no chaos steps before the restore');
  else await phases.run('chaos', () => runChaosSteps(ctx, now, phases), () => `${now.length} steps`);

  result.restore = await phases.run('restore', () => runRestorePhase(ctx, spec, phases), (r) => `${r.attempts} attempt(s), ${Object.entries(r.counts).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (result.restore.isolatedProvider) {
    result.isolation = await isolationReport({ cluster: source.cluster, version: result.environment.kubernetesVersion ?? source.cluster.versions.kubernetes }, ctx, ctx.backup!);
  }
  const allowSkipped = o.allowSkipped === true;
  result.checks = await phases.run('verify', () => runChecks(ctx, spec.checks, baselines, phases, { allowSkipped }), (c) => `${c.filter((x) => x.asExpected).length}/${c.length} as expected`);
  // Recovered once every check that ran is green; a skipped check is judged by the verdict, not by the clock.
  if (result.checks.every((c) => c.asExpected || c.status === 'skipped')) m.rtoMs = o.clock.now() - chaosStartedAt;
  if (source.markers) m.lostWrites = AFTER_MARKERS.length - (await countMarkers(ctx.client, AFTER_MARKERS).catch(() => 0));
}

/** Baseline phase: from the source cluster (default), or from the backup's own objects (`spec.baseline: backup`). */
async function takeBaselines(ctx: EngineContext, spec: ScenarioSpecType, phases: PhaseRunner, result: PartialResult): Promise<Map<string, unknown>> {
  result.baselineSource = spec.baseline ?? 'source';
  if (spec.baseline !== 'backup') return phases.run('baseline', () => runBaselines(ctx, spec.checks, phases), (b) => `${b.size} baselines from the source cluster`);
  let via = '';
  return phases.run('baseline', async () => {
    const source = await backupBaselineSource(ctx);
    via = source.via;
    try {
      // The checks read the backup through a read-only API of its objects; everything else in the context stays.
      return await runBaselines({ ...ctx, client: source.client }, spec.checks, phases);
    } finally {
      await source.release();
    }
  }, (b) => `${b.size} baselines from ${via}`);
}

/** Backup phase: take one with the strategy, or pick an existing one (`backup.from`). Returns when its state was read. */
async function backupPhase(o: ScenarioRunOptions, ctx: EngineContext, phases: PhaseRunner, result: PartialResult, source: SourceCluster): Promise<number> {
  const spec = o.loaded.document.spec;
  const strategy = plugins.strategy(spec.backup.strategy);
  const from = spec.backup.from;
  const backupStartedAt = o.clock.now();
  let savedAt: number | undefined;
  ctx.backup = await phases.run('backup', async () => {
    if (from?.etcdSnapshot) {
      if (!strategy.importFile) throw new KdrillError('E_BACKUP_UNSUPPORTED', `strategy ${strategy.id} cannot read a plain snapshot file`, { hint: 'use strategy etcd-snapshot' });
      const imported = await strategy.importFile(ctx, from.etcdSnapshot, from.material ?? {});
      savedAt = imported.savedAt;
      return imported.manifest;
    }
    if (from) return openExistingBackup(ctx, from, strategy.id);
    const why = strategy.unsupportedReason?.(ctx.cluster);
    if (why) throw new KdrillError('E_UNKNOWN_PLUGIN', `strategy ${strategy.id} cannot back up cluster ${ctx.cluster.name}: ${why}`);
    const manifest = await strategy.backup(ctx, spec.backup.options ?? {});
    if (source.markers) for (const marker of AFTER_MARKERS) await writeMarker(ctx.client, o.runId, marker, o.clock.now());
    return manifest;
  }, (b) => (from ? `existing backup ${b.id} (${b.createdAt}, ${formatDuration(backupAgeMs(savedAt !== undefined ? { createdAt: new Date(savedAt).toISOString() } : b, o.clock.now()))} old)` : `${b.id}: ${b.artifacts.length} artifacts`));
  const size = ctx.backup.artifacts.reduce((sum, a) => sum + a.size, 0);
  result.backup = { id: ctx.backup.id, strategy: strategy.id, store: ctx.store.describe(), sizeBytes: size, artifacts: ctx.backup.artifacts.length, metadata: ctx.backup.metadata };
  if (!from) {
    if (source.markers) result.measurements.writesAfterBackup = AFTER_MARKERS.length;
    return backupStartedAt;
  }
  // An existing backup's RPO is its age: it holds the state of when it was made, whatever kdrill did since.
  // A plain snapshot file was taken into the store just now: its age is the file's.
  const createdAt = savedAt ?? o.clock.now() - backupAgeMs(ctx.backup, o.clock.now());
  if (from.maxAge) result.engineChecks.push(engineCheck('backup-age', judgeBackupAge({ id: ctx.backup.id, createdAt: new Date(createdAt).toISOString() }, o.clock.now() - createdAt, from.maxAge)));
  return createdAt;
}

async function runChaosSteps(ctx: EngineContext, steps: NonNullable<EngineContext['scenario']['spec']['chaos']>, phases: PhaseRunner): Promise<void> {
  for (const [i, spec] of steps.entries()) {
    const step = plugins.chaos(spec.step);
    if (step.destructive) assertDestructiveAllowed(ctx, step.id);
    await phases.step('chaos', spec.name ?? `${i + 1}. ${spec.step}`, async () => {
      await ctx.audit.record({ action: 'chaos.run', subject: spec.step, details: { cluster: ctx.cluster.name } });
      return step.run(ctx, spec.options ?? {});
    }, (summary) => summary);
  }
}

/**
 * A cluster kdrill did not create: count every mutating request kdrill sent it. Restored elsewhere (an isolated or
 * fresh target) and without allowDestructive, the drill was only allowed to read it, and `source-untouched` proves
 * it did. (A restore into the source itself is a write by design; teardown's cleanup comes after this count.)
 */
function judgeSource(source: SourceCluster, result: PartialResult, spec: ScenarioSpecType): void {
  if (!source.writes) return;
  result.measurements.sourceWrites = source.client.writeCount.value;
  const restoredElsewhere = (spec.restore?.target ?? 'same') !== 'same';
  if (!source.markers && restoredElsewhere) result.engineChecks.push(engineCheck('source-untouched', judgeSourceWrites(source.cluster.name, source.client.writeCount.value)));
}

/** A result the engine judged itself, shown like any check (JUnit, report, results.json). */
function engineCheck(id: string, outcome: CheckOutcome): CheckResult {
  return { ...outcome, id, name: id, expect: 'pass', asExpected: outcome.status === 'passed', durationMs: 0 };
}

async function teardown(
  o: ScenarioRunOptions,
  phases: PhaseRunner,
  ctx: EngineContext | undefined,
  source: SourceCluster | undefined,
  workDir: string,
  logger: Logger,
): Promise<{ name: string; kubeconfig: string }[]> {
  return phases.run('teardown', async () => {
    const writes = source?.writes;
    if (source && writes && (writes.fixtures.length > 0 || writes.markers)) {
      logger.info(`${source.cluster.name}: ${await removeOwnWrites(source.client, o.runId, writes, logger)}`);
    }
    await ctx?.release({ keep: o.keep ?? false });
    await rm(workDir, { recursive: true, force: true });
    if (o.keep && ctx) {
      for (const c of ctx.ownedClusters) logger.info(`kept cluster ${c.name}: kubectl --kubeconfig ${c.kubeconfigPath} get ns (stop: kdrill cluster down ${c.name})`);
    }
    return ctx && o.keep ? ctx.ownedClusters.map((c) => ({ name: c.name, kubeconfig: c.kubeconfigPath })) : [];
  }).catch((error: unknown) => {
    logger.warn(`teardown failed: ${oneLine(error)}`);
    return [];
  });
}

async function finish(
  o: ScenarioRunOptions,
  partial: PartialResult,
  failedPhase: PhaseName | undefined,
  startedAt: number,
  artifactsDir: string,
): Promise<ScenarioResult> {
  const { engineChecks, ...rest } = partial;
  partial = { ...rest, checks: [...rest.checks, ...engineChecks], engineChecks: [] };
  const objectives = evaluateObjectives(o.loaded.document.spec.objectives, partial.measurements);
  // An interrupted drill proved nothing either way: an error, like a setup failure.
  const setupFailure = partial.error && (!failedPhase || ['provision', 'seed', 'baseline', 'backup'].includes(failedPhase) || o.signal.aborted);
  const allGood = !partial.error && partial.checks.every((c) => c.asExpected) && objectives.every((x) => x.passed);
  const verdict = setupFailure ? 'error' : allGood ? 'passed' : 'failed';
  const finishedAt = o.clock.now();
  o.progress.scenarioFinished(partial.name, verdict);
  const artifacts = (await readdir(artifactsDir).catch(() => [])).map((f) => relative(o.outDir, join(artifactsDir, f)));
  const { engineChecks: _none, ...done } = partial;
  return { ...done, verdict, objectives, finishedAt: new Date(finishedAt).toISOString(), durationMs: finishedAt - startedAt, artifacts };
}
