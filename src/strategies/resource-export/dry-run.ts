import type { KubeObject } from '../../kube/types.js';
import { isImmutableChange, shorten } from './api-errors.js';
import type { ApplyEnv, LiveState, Outcome } from './apply.js';
import { isSubset } from './compare.js';
import { describeObject } from './notes.js';
import { neverRecreated, type PlannedObject } from './plan.js';
import { withRetry } from './retry.js';

/** One line of a dry-run plan. */
export interface PlanEntry {
  action: 'create' | 'update' | 'unchanged' | 'recreate' | 'skip' | 'prune' | 'fail';
  /** `Kind ns/name` */
  object: string;
  tier: string;
  note?: string;
}

const ACTION_OUTCOME: Record<PlanEntry['action'], Outcome | 'pruned'> = {
  create: 'created',
  update: 'updated',
  unchanged: 'unchanged',
  recreate: 'recreated',
  skip: 'skipped',
  prune: 'pruned',
  fail: 'failed',
};

/**
 * What applying would do, without writing: a missing object is a `create`; for an existing one, drift to remove makes
 * an `update` (the note names each field and who set it, and what another manager keeps); when values differ, the
 * server's dryRun=All apply says whether anything would really change (or an immutable field forces a `recreate`).
 */
export async function dryRunAction(
  p: PlannedObject,
  desired: KubeObject,
  path: string | undefined,
  live: KubeObject | undefined,
  env: ApplyEnv,
  state?: LiveState,
): Promise<Outcome> {
  // Dependents of objects that are only planned keep their owner references in the printed plan.
  if (p.owns && p.oldUid) env.newUids.set(p.oldUid, live?.metadata.uid ?? p.oldUid);
  if (!live || !path) return plan(env, p, 'create', path ? undefined : 'its type is served once its CRD is created');
  const drift = state?.drift.revert.length ? driftNote(state) : undefined;
  if (state?.specMatches) return plan(env, p, drift ? 'update' : 'unchanged', drift);
  try {
    const result = await withRetry(() => env.client.apply(path, desired, { dryRun: true }), env.policy);
    return plan(env, p, drift || !sameContent(result, live) ? 'update' : 'unchanged', drift);
  } catch (error) {
    if (!isImmutableChange(error)) throw error;
    const why = shorten((error as Error).message);
    if (neverRecreated(p)) return plan(env, p, 'skip', `never recreated (its volume's data): ${why}`);
    return plan(env, p, 'recreate', `${why}${deleteRefusal(env, p)}`);
  }
}

/** `reverts metadata.labels.x (kubectl-label); keeps metadata.annotations.y (kube-controller-manager)` */
function driftNote(state: LiveState): string {
  const reverts = state.drift.revert.map((f) => `${f.path} (${f.manager})`).join(', ');
  const kept = state.drift.kept.map((f) => `${f.path} (${f.manager})`).join(', ');
  return `reverts ${reverts}${kept ? `; keeps ${kept}` : ''}`;
}

function deleteRefusal(env: ApplyEnv, p: PlannedObject): string {
  try {
    env.assertMayDelete('delete and recreate', [describeObject(p.head)]);
    return '';
  } catch {
    return ' (refused here without allowDestructive: kdrill did not create this cluster)';
  }
}

function plan(env: ApplyEnv, p: PlannedObject, action: PlanEntry['action'], note?: string): Outcome {
  env.entries.push({ action, object: describeObject(p.head), tier: p.tier, ...(note ? { note } : {}) });
  return ACTION_OUTCOME[action] as Outcome;
}

/** Equal apart from what every write touches (resourceVersion, managedFields). */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, resourceVersion: undefined, managedFields: undefined } });
  return isSubset(strip(a), strip(b)) && isSubset(strip(b), strip(a));
}

/** The plan as printable lines: `create Secret app/db (config)`. */
export function renderPlan(entries: PlanEntry[]): string[] {
  return entries.map((e) => `${e.action} ${e.object} (${e.tier})${e.note ? `: ${e.note}` : ''}`);
}
