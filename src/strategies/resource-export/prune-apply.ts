import type { DrillContext } from '../../contracts/types.js';
import type { KubeClient } from '../../kube/client.js';
import type { ApplyEnv } from './apply.js';
import { shorten } from './api-errors.js';
import type { BackupIndex } from './layout.js';
import { describeObject } from './notes.js';
import { mapLimit } from '../../core/map-limit.js';
import type { PruneCandidate } from './prune.js';
import { withRetry } from './retry.js';
import type { SkipContext } from './skip-rules.js';
import { tierRank } from './tiers.js';

/** Deletes prune candidates, dependents' tiers first (reverse apply order), or lists them on a dry run. */
export async function pruneObjects(
  candidates: PruneCandidate[],
  ctx: DrillContext,
  env: ApplyEnv,
  backupId: string,
): Promise<{ pruned: number; failed: number }> {
  const tiers = [...new Set(candidates.map((c) => c.tier))].sort((a, b) => tierRank(b) - tierRank(a));
  let pruned = 0;
  let failed = 0;
  for (const tier of tiers) {
    const batch = candidates.filter((c) => c.tier === tier);
    let done = 0;
    await mapLimit(batch, env.options.parallelism, async (c) => {
      const name = describeObject(c.object);
      if (env.options.dryRun) {
        env.entries.push({ action: 'prune', object: name, tier });
        done++;
        return;
      }
      try {
        await withRetry(() => env.client.delete(c.path), env.policy);
        env.notes.add('pruned (not in the backup)', name, 20);
        done++;
      } catch (error) {
        env.notes.add('prune failed', `${name}: ${shorten(error instanceof Error ? error.message : String(error))}`, 20);
      }
    });
    pruned += done;
    failed += batch.length - done;
    await ctx.audit.record({ action: 'restore.apply', subject: backupId, details: { tier, prune: true, dryRun: env.options.dryRun, pruned: done, failed: batch.length - done } });
  }
  return { pruned, failed };
}

/** Services with a selector in the target: their Endpoints are controller-managed, never pruned. */
export async function selectorServices(client: Pick<KubeClient, 'listAll'>, index: BackupIndex): Promise<SkipContext> {
  if (!index.resources.some((r) => r.group === '' && r.resource === 'endpoints')) return { selectorServices: new Set() };
  const services = (await client.listAll('/api/v1/services')).items;
  const withSelector = services.filter((s) => Object.keys((s.spec as { selector?: object } | undefined)?.selector ?? {}).length > 0);
  return { selectorServices: new Set(withSelector.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)) };
}
