import type { KubeObject } from '../../kube/types.js';
import type { ApplyEnv } from './apply.js';
import { comparable, isSubset } from './compare.js';
import { listLive } from './live.js';
import { describeObject, type NoteBook } from './notes.js';
import type { PlanStep } from './plan.js';

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
  for (const step of steps) {
    const live = await listLive(env.client, env.resolver, step.objects, env.policy);
    for (const p of step.objects) {
      const current = live.get(p.key);
      if (current && !isSubset(withoutOwners(comparable(p.desired)), current)) conflicts.push(describeObject(p.desired));
    }
  }
  return conflicts;
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
