import { KdrillError } from '../../core/errors.js';
import type { DrillContext, RestoreReport } from '../../contracts/types.js';
import { assertObjectActionAllowed, destructiveAllowed } from '../../contracts/guard.js';
import type { BackupManifest } from '../../store/types.js';
import { applyObjects, throwIfAborted, type ApplyEnv, type Outcome } from './apply.js';
import { STRATEGY_ID } from './backup.js';
import { renderPlan } from './dry-run.js';
import { forEachLiveBatch } from './live.js';
import type { RestoreOptions } from './options.js';
import { NoteBook } from './notes.js';
import { assertConversionServices } from './conversion.js';
import { buildPlan, type PlanStep } from './plan.js';
import { existingConflicts, noteFinalizers, plannedRecreates } from './preflight.js';
import type { BackupIndex } from './layout.js';
import { findPruneCandidates, pruneScope, type PruneCandidate } from './prune.js';
import { pruneObjects, selectorServices } from './prune-apply.js';
import { readBackup } from './read-backup.js';
import { Resolver } from './resolver.js';
import { targetServiceCidrs } from './service-ips.js';
import { waitCrdsReady } from './waits.js';

/** Where a dry run leaves its full plan (notes carry only the first lines). */
export const PLAN_FACT = 'resource-export.plan';
const PLAN_LINES_IN_NOTES = 200;

type Counts = Record<Outcome | 'pruned', number>;

/** Restores a resource-export backup: read and verify every artifact, then prune (if asked) and apply tier by tier. */
export async function runRestore(ctx: DrillContext, backup: BackupManifest, options: RestoreOptions): Promise<RestoreReport> {
  if (backup.strategy !== STRATEGY_ID) {
    throw new KdrillError('E_BACKUP_CORRUPT', `backup ${backup.id} was taken by ${backup.strategy}, not ${STRATEGY_ID}`, {
      hint: `restore it with the ${backup.strategy} strategy`,
    });
  }
  const started = ctx.clock.now();
  const writesBefore = ctx.client.writeCount.value;
  const policy = { deadline: started + options.timeoutMs, now: () => ctx.clock.now(), signal: ctx.signal };
  // Discovery (reads only) loads while the backup is read.
  const resolver = new Resolver(ctx.client, policy);
  // Every artifact is hash-checked and decrypted before the first write: a damaged backup changes nothing.
  const { index, resources } = await readBackup(await ctx.store.open(backup.id), ctx.audit);
  ctx.logger.debug('resource-export backup read', { id: backup.id, ms: ctx.clock.now() - started });
  const notes = new NoteBook();
  const serviceCidrs = await targetServiceCidrs(ctx.client, policy);
  const sanitize = { ...options, ...(serviceCidrs ? { serviceCidrs } : {}) };
  const steps = buildPlan(resources, sanitize, notes);
  noteFinalizers(steps, notes);
  const env: ApplyEnv = {
    client: ctx.client,
    resolver,
    options,
    sanitize,
    policy,
    newUids: new Map(),
    notes,
    entries: [],
    assertMayDelete: (action, objects) => assertObjectActionAllowed(ctx, action, objects),
  };
  // Refusals come before the first write: a restore that cannot finish, or may not delete, changes nothing.
  await assertConversionServices(steps, env, 'plan');
  if (options.existing === 'fail') await failOnExisting(steps, env);
  if (options.existing === 'update' && !options.dryRun && !destructiveAllowed(ctx)) {
    assertObjectActionAllowed(ctx, 'delete and recreate (an immutable field differs from the backup)', await plannedRecreates(steps, env));
  }
  const counts: Counts = { created: 0, updated: 0, unchanged: 0, recreated: 0, skipped: 0, failed: 0, pruned: 0 };
  const candidates = options.prune ? await pruneCandidates(ctx, env, index, steps) : [];
  const addPruned = ({ pruned, failed }: { pruned: number; failed: number }) => {
    counts.pruned += pruned;
    counts.failed += failed;
  };
  // A webhook the backup does not have could block or rewrite everything restored after it: remove those first.
  addPruned(await pruneObjects(candidates.filter((c) => c.tier === 'admission'), ctx, env, backup.id));
  await applySteps(steps, ctx, env, counts, backup.id);
  addPruned(await pruneObjects(candidates.filter((c) => c.tier !== 'admission'), ctx, env, backup.id));
  return finish(ctx, env, counts, { started, writesBefore, backupId: backup.id });
}

async function pruneCandidates(ctx: DrillContext, env: ApplyEnv, index: BackupIndex, steps: PlanStep[]): Promise<PruneCandidate[]> {
  const planned = new Set(steps.flatMap((s) => s.objects.map((o) => o.key)));
  const scope = pruneScope(index, env.options.namespaceMap, await selectorServices(ctx.client, index));
  return findPruneCandidates(ctx.client, env.resolver, index, planned, scope, env.policy);
}

async function applySteps(steps: PlanStep[], ctx: DrillContext, env: ApplyEnv, counts: Counts, backupId: string): Promise<void> {
  let tierCounts: Partial<Counts> = {};
  let tierStart = ctx.clock.now();
  for (const [i, step] of steps.entries()) {
    throwIfAborted(env);
    if (step.tier === 'custom-resources' && steps[i - 1]?.tier !== step.tier) {
      await assertConversionServices(steps.filter((s) => s.tier === step.tier), env, 'apply');
    }
    await forEachLiveBatch(env.client, env.resolver, step.objects, env.policy, async (objects, live) => {
      for (const [k, v] of Object.entries(await applyObjects(objects, live, env)) as [Outcome, number][]) {
        counts[k] += v;
        tierCounts[k] = (tierCounts[k] ?? 0) + v;
      }
    });
    if (step.tier === 'crds' && !env.options.dryRun) {
      await waitCrdsReady(env.client, step.objects.map((o) => o.head.metadata.name), env.policy);
      await env.resolver.refresh();
    }
    if (steps[i + 1]?.tier === step.tier) continue;
    ctx.logger.info(`restored tier ${step.tier}`, { ...tierCounts, ms: ctx.clock.now() - tierStart });
    tierStart = ctx.clock.now();
    await ctx.audit.record({ action: 'restore.apply', subject: backupId, details: { tier: step.tier, dryRun: env.options.dryRun, ...tierCounts } });
    tierCounts = {};
  }
}

async function failOnExisting(steps: PlanStep[], env: ApplyEnv): Promise<void> {
  const conflicts = await existingConflicts(steps, env);
  if (!conflicts.length) return;
  throw new KdrillError('E_UNSAFE_TARGET', `${conflicts.length} objects of the backup already exist and differ: ${conflicts.slice(0, 10).join(', ')}${conflicts.length > 10 ? ', ...' : ''}`, {
    hint: 'restore with existing: update to overwrite them, existing: skip to keep them, or into an empty cluster',
    details: { conflicts },
  });
}

function finish(ctx: DrillContext, env: ApplyEnv, counts: Counts, run: { started: number; writesBefore: number; backupId: string }): RestoreReport {
  const seconds = Math.max(ctx.clock.now() - run.started, 1) / 1000;
  const objects = counts.created + counts.updated + counts.unchanged + counts.recreated + counts.skipped + counts.failed;
  const writes = ctx.client.writeCount.value - run.writesBefore;
  const lines = [`${objects} objects in ${seconds.toFixed(1)} s (${Math.round(objects / seconds)} objects/s), ${writes} ${env.options.dryRun ? 'dry-run requests' : 'API writes'}`];
  if (env.options.dryRun) {
    ctx.facts.set(PLAN_FACT, env.entries);
    // Changes first: a plan of thousands of unchanged objects must still show what would change.
    const changes = renderPlan(env.entries.filter((e) => e.action !== 'unchanged'));
    const unchanged = env.entries.length - changes.length;
    lines.push(`dry run: nothing was written; ${changes.length} changes planned, ${unchanged} objects unchanged:`, ...changes.slice(0, PLAN_LINES_IN_NOTES));
    if (changes.length > PLAN_LINES_IN_NOTES) lines.push(`... ${changes.length - PLAN_LINES_IN_NOTES} more in ctx.facts "${PLAN_FACT}"`);
    for (const line of changes) ctx.logger.info(`plan: ${line}`);
  }
  const report: RestoreReport = { counts: { ...counts, objects, writes }, notes: [...lines, ...env.notes.render()] };
  if (counts.failed > 0 && !env.options.dryRun) {
    throw new KdrillError('E_KUBE_API', `restore of backup ${run.backupId}: ${counts.failed} of ${objects} objects failed`, {
      hint: 'see the notes for each failure; a re-run applies only what is still missing or different',
      details: { ...report },
    });
  }
  return report;
}
