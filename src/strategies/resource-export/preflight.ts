import type { KubeObject } from '../../kube/types.js';
import { objectPath } from '../../kube/paths.js';
import { isImmutableChange } from './api-errors.js';
import { compareLive, type ApplyEnv } from './apply.js';
import { listLive } from './live.js';
import { describeObject, type NoteBook } from './notes.js';
import { neverRecreated, type PlannedObject, type PlanStep } from './plan.js';
import { withRetry } from './retry.js';

/** Finalizers that built-in controllers or the apiserver remove; any other one needs its own controller running. */
const BUILT_IN_FINALIZERS = new Set([
  'kubernetes',
  'orphan',
  'foregroundDeletion',
  'kubernetes.io/pvc-protection',
  'kubernetes.io/pv-protection',
  'customresourcecleanup.apiextensions.k8s.io',
  'service.kubernetes.io/load-balancer-cleanup',
  'batch.kubernetes.io/job-tracking',
  'external-attacher/csi',
]);

/** `Kind ns/name` of every planned object that exists in the target and differs (owner uids aside): for existing=fail. */
export async function existingConflicts(steps: PlanStep[], env: ApplyEnv): Promise<string[]> {
  const conflicts: string[] = [];
  await forExisting(steps, env, async (p, desired, live) => {
    if (!compareLive(p, desired, live).clean) conflicts.push(describeObject(p.desired));
  });
  return conflicts;
}

/**
 * `Kind ns/name` of every existing object the restore would delete and recreate (an immutable field differs, as the
 * server's dry-run apply says), read before anything is written so a cluster kdrill may not delete in is refused
 * whole. Storage objects are never recreated, so never listed.
 */
export async function plannedRecreates(steps: PlanStep[], env: ApplyEnv): Promise<string[]> {
  const found: string[] = [];
  await forExisting(steps, env, async (p, desired, live, path) => {
    if (neverRecreated(p) || compareLive(p, desired, live).specMatches) return;
    try {
      await withRetry(() => env.client.apply(path, desired, { dryRun: true }), env.policy);
    } catch (error) {
      if (isImmutableChange(error)) found.push(describeObject(p.desired));
    }
  });
  return found;
}

type Visit = (p: PlannedObject, desired: KubeObject, live: KubeObject, path: string) => Promise<void>;

/** Calls `visit` for every planned object that exists in the target (types not served yet have none). */
async function forExisting(steps: PlanStep[], env: ApplyEnv, visit: Visit): Promise<void> {
  for (const step of steps) {
    const live = await listLive(env.client, env.resolver, step.objects, env.policy);
    for (const p of step.objects) {
      const current = live.get(p.key);
      const served = current && (await env.resolver.resolve(p.desired.apiVersion, p.desired.kind, env.policy.signal));
      if (!current || !served) continue;
      const { name, namespace } = p.desired.metadata;
      await visit(p, withoutOwners(p.desired), current, objectPath(p.desired.apiVersion, served.name, name, served.namespaced ? namespace : undefined));
    }
  }
}

/** Notes objects whose finalizers no built-in controller removes: deleting them later hangs unless their controller runs. */
export function noteFinalizers(steps: PlanStep[], notes: NoteBook): void {
  for (const p of steps.flatMap((s) => s.objects)) {
    const foreign = (p.desired.metadata.finalizers ?? []).filter((f) => !BUILT_IN_FINALIZERS.has(f));
    if (foreign.length) notes.add('finalizers kept that only their own controller removes', `${describeObject(p.desired)} [${foreign.join(', ')}]`);
  }
}

function withoutOwners(obj: KubeObject): KubeObject {
  const { ownerReferences: _refs, ...metadata } = obj.metadata;
  return { ...obj, metadata: metadata as KubeObject['metadata'] };
}
