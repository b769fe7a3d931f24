import { loadBootstrapPolicy } from '../../bootstrap/policy.js';
import type { DrillContext } from '../../contracts/types.js';
import { FIELD_MANAGER, type KubeClient } from '../../kube/client.js';
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
        env.entries.push({ action: 'prune', object: name, tier, ...(c.reset ? { note: RESET_NOTE } : {}) });
        done++;
        return;
      }
      try {
        if (c.reset) await withRetry(() => env.client.request('PUT', c.path, { body: c.reset, query: { fieldManager: FIELD_MANAGER } }), env.policy);
        else await withRetry(() => env.client.delete(c.path), env.policy);
        env.notes.add(c.reset ? `pruned: ${RESET_NOTE}` : 'pruned (not in the backup)', name, 20);
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

const RESET_NOTE = "changed bootstrap object reset to the apiserver's policy";

/** What the skip rules need in the target: Services with a selector (their Endpoints are never pruned) and the bootstrap policy. */
export async function selectorServices(client: Pick<KubeClient, 'listAll' | 'get'>, index: BackupIndex): Promise<SkipContext> {
  const policy = await loadBootstrapPolicy(client);
  if (!index.resources.some((r) => r.group === '' && r.resource === 'endpoints')) return { selectorServices: new Set(), policy };
  const services = (await client.listAll('/api/v1/services')).items;
  const withSelector = services.filter((s) => Object.keys((s.spec as { selector?: object } | undefined)?.selector ?? {}).length > 0);
  return { selectorServices: new Set(withSelector.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)), policy };
}
