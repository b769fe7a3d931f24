import { KdrillError } from '../core/errors.js';
import type { DrillContext } from './types.js';

type GuardContext = Pick<DrillContext, 'cluster' | 'scenario'>;

/** True when kdrill may break or write into `ctx.cluster`: it created the cluster, or the scenario opted in. */
export function destructiveAllowed(ctx: GuardContext): boolean {
  return ctx.cluster.createdByKdrill || ctx.scenario.spec.cluster?.allowDestructive === true;
}

/**
 * Throws E_UNSAFE_TARGET when `action` would break a cluster kdrill did not create and the scenario did not opt in.
 * `action` names what would happen, e.g. `chaos step wipe-cluster` or `restore: prune deletes objects the backup
 * lacks`; a bare id reads as a chaos step.
 */
export function assertDestructiveAllowed(ctx: GuardContext, action: string): void {
  if (destructiveAllowed(ctx)) return;
  const what = /\s/.test(action) ? action : `chaos step ${action}`;
  throw new KdrillError('E_UNSAFE_TARGET', `${what} is destructive and cluster ${ctx.cluster.name} (provider ${ctx.cluster.provider}) was not created by kdrill`, {
    hint: 'kdrill only breaks clusters it created; if this cluster is disposable, set spec.cluster.allowDestructive: true in the scenario',
    details: { action, cluster: ctx.cluster.name },
  });
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
