import { parseDuration } from '../scenario/duration.js';
import type { ScenarioSpecType } from '../scenario/schema.js';
import { KdrillError } from '../core/errors.js';
import { sleep } from '../core/sleep.js';
import { oneLine, type PhaseRunner } from './phases.js';
import { plugins } from './plugins.js';
import type { EngineContext } from './context.js';
import type { ScenarioResult } from '../contracts/types.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { assertRestoreAllowed } from './preflight.js';
import { CLUSTER_WIPED_FACT } from '../chaos/wipe-cluster.js';
import { STORE_KEYS_FACT, storeFor } from './storage.js';

type RestoreInfo = NonNullable<ScenarioResult['restore']>;

/**
 * Restore phase: pick the target (a fresh cluster when asked or when chaos wiped the old one), start the chaos
 * steps that run `during: restore`, and retry the restore (`restore.retries`) after restarting stopped components,
 * as an operator would: a resumable restore converges on the next attempt.
 */
export async function runRestorePhase(ctx: EngineContext, spec: ScenarioSpecType, phases: PhaseRunner): Promise<RestoreInfo> {
  if (!ctx.backup) throw new KdrillError('E_INTERNAL', 'restore without a backup');
  const strategy = plugins.strategy(spec.restore?.strategy ?? spec.backup.strategy);
  const wiped = ctx.facts.get(CLUSTER_WIPED_FACT) === true;
  const isolated = typeof spec.restore?.target === 'object' ? spec.restore.target : undefined;
  const target = spec.restore?.target === 'fresh' || isolated || wiped ? 'fresh' : 'same';
  if (isolated) {
    const provider = plugins.provider(isolated.provider);
    const on = { provider, options: isolated.options ?? {} };
    const cluster = await phases.step('restore', `create isolated target (${provider.id})`, () => ctx.createFreshCluster('target', on),
      (c) => `${c.name} (Kubernetes ${c.versions.kubernetes})`);
    ctx.useCluster(cluster);
  } else if (target === 'fresh') {
    const fresh = await phases.step('restore', 'create fresh cluster', () => ctx.createFreshCluster('restore'), (c) => c.name);
    ctx.useCluster(fresh);
  }
  // A chaos step may have replaced the key provider (rotate-kek): read the backup the way an operator would after
  // a rotation, through a store opened with the current key, so the old backup must unwrap under the rotated KEK.
  if (ctx.facts.has(STORE_KEYS_FACT) && ctx.keys !== ctx.facts.get(STORE_KEYS_FACT)) {
    ctx.store = storeFor(ctx.scenario, ctx, ctx.keys, ctx.audit);
    ctx.facts.set(STORE_KEYS_FACT, ctx.keys);
  }
  // The preflight refused this already; the cluster may have changed since (a fresh target is kdrill's own).
  assertRestoreAllowed(ctx, strategy, spec.restore?.options ?? {});
  const during = startDuringSteps(ctx, spec, phases);
  const attempts = (spec.restore?.retries ?? 0) + 1;
  const notes: string[] = [];
  let counts: Record<string, number> = {};
  let degraded: string | undefined;
  let attempt = 0;
  try {
    for (attempt = 1; attempt <= attempts; attempt++) {
      try {
        const report = await phases.step('restore', `attempt ${attempt}`, () => strategy.restore(ctx, ctx.backup!, spec.restore?.options ?? {}),
          (r) => Object.entries(r.counts).map(([k, v]) => `${k}=${v}`).join(' '));
        counts = report.counts;
        degraded = report.degraded;
        notes.push(...report.notes);
        break;
      } catch (error) {
        notes.push(`attempt ${attempt} failed: ${oneLine(error)}`);
        if (attempt === attempts) throw error;
        // Interrupted: no retry, and no heal restarting what the cleanup is stopping.
        ctx.signal.throwIfAborted();
        await Promise.allSettled(during);
        await heal(ctx);
      }
    }
  } finally {
    await Promise.allSettled(during);
  }
  ctx.signal.throwIfAborted();
  await heal(ctx);
  if (degraded) ctx.logger.warn(`not waiting for readiness: ${degraded}`);
  else await ctx.cluster.waitReady(120_000);
  return { strategy: strategy.id, target, ...(isolated ? { isolatedProvider: isolated.provider } : {}), attempts: attempt, counts, notes };
}

function startDuringSteps(ctx: EngineContext, spec: ScenarioSpecType, phases: PhaseRunner): Promise<unknown>[] {
  const steps = (spec.chaos ?? []).filter((s) => s.during === 'restore');
  // Check every step before any starts: a refused step must fail the restore phase, not vanish in allSettled.
  for (const s of steps) {
    const step = plugins.chaos(s.step);
    if (step.destructive) assertDestructiveAllowed(ctx, step.id);
  }
  return steps
    .map(async (s, i) => {
      const step = plugins.chaos(s.step);
      await sleep(s.after ? parseDuration(s.after) : 0, ctx.signal, 'restore');
      await ctx.audit.record({ action: 'chaos.run', subject: s.step, details: { during: 'restore' } });
      return phases.step('restore', `chaos: ${s.name ?? `${i + 1}. ${s.step}`}`, () => step.run(ctx, s.options ?? {}), (x) => x);
    });
}

/** Start any component chaos left stopped (idempotent; a component that cannot start is left for the checks to find). */
async function heal(ctx: EngineContext): Promise<void> {
  for (const component of ctx.cluster.components) {
    await ctx.cluster.startComponent(component).catch((error: unknown) => ctx.logger.warn(`could not restart ${component}: ${oneLine(error)}`));
  }
}
