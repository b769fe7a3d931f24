import type { KubeObject } from '../../kube/types.js';
import { objectPath } from '../../kube/paths.js';
import { isImmutableChange } from './api-errors.js';
import { compareLive, type ApplyEnv } from './apply.js';
import { forEachLiveBatch } from './live.js';
import { describeObject, type NoteBook } from './notes.js';
import { applyBody, neverRecreated, type PlannedObject, type PlanStep } from './plan.js';
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
    if (!compareLive(p, desired, live).clean) conflicts.push(describeObject(p.head));
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
      if (isImmutableChange(error)) found.push(describeObject(p.head));
    }
  });
  return found;
}

type Visit = (p: PlannedObject, desired: KubeObject, live: KubeObject, path: string) => Promise<void>;

/**
 * Calls `visit` for every planned object that exists in the target (types not served yet have none), with its apply
 * body without owner references (the restored owners' uids are not known yet).
 */
async function forExisting(steps: PlanStep[], env: ApplyEnv, visit: Visit): Promise<void> {
  for (const step of steps) {
    await forEachLiveBatch(env.client, env.resolver, step.objects, env.policy, async (objects, live) => {
      for (const p of objects) {
        const current = live.get(p.key);
        const served = current && (await env.resolver.resolve(p.head.apiVersion, p.head.kind, env.policy.signal));
        if (!current || !served) continue;
        const desired = applyBody(p, env.sanitize);
        delete desired.metadata.ownerReferences;
        const { name, namespace } = p.head.metadata;
        await visit(p, desired, current, objectPath(p.head.apiVersion, served.name, name, served.namespaced ? namespace : undefined));
      }
    });
  }
}

/** Notes objects whose finalizers no built-in controller removes: deleting them later hangs unless their controller runs. */
export function noteFinalizers(steps: PlanStep[], notes: NoteBook): void {
  for (const p of steps.flatMap((s) => s.objects)) {
    // Sanitizing keeps finalizers: the backed-up object's are the apply body's.
    const foreign = (p.original.metadata.finalizers ?? []).filter((f) => !BUILT_IN_FINALIZERS.has(f));
    if (foreign.length) notes.add('finalizers kept that only their own controller removes', `${describeObject(p.head)} [${foreign.join(', ')}]`);
  }
}
