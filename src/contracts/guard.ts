import { KdrillError } from '../core/errors.js';
import type { DrillContext } from './types.js';

/** Throws E_UNSAFE_TARGET when `stepId` would break a cluster kdrill did not create and the scenario did not opt in. */
export function assertDestructiveAllowed(ctx: Pick<DrillContext, 'cluster' | 'scenario'>, stepId: string): void {
  if (ctx.cluster.createdByKdrill) return;
  if (ctx.scenario.spec.cluster?.allowDestructive === true) return;
  throw new KdrillError(
    'E_UNSAFE_TARGET',
    `chaos step ${stepId} is destructive and cluster ${ctx.cluster.name} (provider ${ctx.cluster.provider}) was not created by kdrill`,
    {
      hint: 'kdrill only breaks clusters it created; if this cluster is disposable, set spec.cluster.allowDestructive: true in the scenario',
      details: { step: stepId, cluster: ctx.cluster.name },
    },
  );
}
