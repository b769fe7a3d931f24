import { KdrillError } from '../core/errors.js';
import type { DrillContext } from './types.js';

type GuardContext = Pick<DrillContext, 'cluster' | 'scenario'>;

/** True when kdrill may break or write into this cluster: it created it, or the scenario set allowDestructive. */
export function destructiveAllowed(ctx: GuardContext): boolean {
  return ctx.cluster.createdByKdrill || ctx.scenario.spec.cluster?.allowDestructive === true;
}

/** Throws E_UNSAFE_TARGET when `stepId` would break a cluster kdrill did not create and the scenario did not opt in. */
export function assertDestructiveAllowed(ctx: GuardContext, stepId: string): void {
  if (destructiveAllowed(ctx)) return;
  throw new KdrillError(
    'E_UNSAFE_TARGET',
    `chaos step ${stepId} is destructive and cluster ${ctx.cluster.name} (provider ${ctx.cluster.provider}) was not created by kdrill`,
    {
      hint: 'kdrill only breaks clusters it created; if this cluster is disposable, set spec.cluster.allowDestructive: true in the scenario',
      details: { step: stepId, cluster: ctx.cluster.name },
    },
  );
}

/**
 * Throws E_UNSAFE_TARGET naming what would be done to which objects (`delete and recreate`, `RoleBinding shop/reader`)
 * when the cluster is not kdrill's and the scenario did not opt in.
 */
export function assertObjectActionAllowed(ctx: GuardContext, action: string, objects: readonly string[]): void {
  if (destructiveAllowed(ctx) || objects.length === 0) return;
  const shown = objects.slice(0, 10).join(', ') + (objects.length > 10 ? `, and ${objects.length - 10} more` : '');
  throw new KdrillError(
    'E_UNSAFE_TARGET',
    `the restore would ${action} ${shown} on cluster ${ctx.cluster.name} (provider ${ctx.cluster.provider}), which kdrill did not create`,
    {
      hint: 'kdrill only deletes objects in clusters it created; to allow it here set spec.cluster.allowDestructive: true (kdrill restore: --allow-destructive), or restore with existing: skip',
      details: { action, objects: objects.slice(0, 50), cluster: ctx.cluster.name },
    },
  );
}
