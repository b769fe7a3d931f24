import { KdrillError } from '../core/errors.js';
import type { DrillContext } from './types.js';

/** True when kdrill may break or write into `ctx.cluster`: it created the cluster, or the scenario opted in. */
export function destructiveAllowed(ctx: Pick<DrillContext, 'cluster' | 'scenario'>): boolean {
  return ctx.cluster.createdByKdrill || ctx.scenario.spec.cluster?.allowDestructive === true;
}

/**
 * Throws E_UNSAFE_TARGET when `action` would break a cluster kdrill did not create and the scenario did not opt in.
 * `action` names what would happen, e.g. `chaos step wipe-cluster` or `restore: prune deletes objects the backup
 * lacks`; a bare id reads as a chaos step.
 */
export function assertDestructiveAllowed(ctx: Pick<DrillContext, 'cluster' | 'scenario'>, action: string): void {
  if (destructiveAllowed(ctx)) return;
  const what = /\s/.test(action) ? action : `chaos step ${action}`;
  throw new KdrillError('E_UNSAFE_TARGET', `${what} is destructive and cluster ${ctx.cluster.name} (provider ${ctx.cluster.provider}) was not created by kdrill`, {
    hint: 'kdrill only breaks clusters it created; if this cluster is disposable, set spec.cluster.allowDestructive: true in the scenario',
    details: { action, cluster: ctx.cluster.name },
  });
}
