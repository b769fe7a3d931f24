import { KdrillError } from '../core/errors.js';
import type { DrillContext } from './types.js';

/** Destructive steps need a cluster kdrill created, or the scenario's explicit cluster.allowDestructive. */
export function assertDestructiveAllowed(ctx: DrillContext, stepId: string, destructive: boolean): void {
  if (!destructive || ctx.cluster.createdByKdrill || ctx.scenario.spec.cluster?.allowDestructive) return;
  throw new KdrillError('E_UNSAFE_TARGET', `chaos step ${stepId} is destructive and cluster ${ctx.cluster.name} was not created by kdrill`, {
    hint: 'set spec.cluster.allowDestructive: true in the scenario if this cluster may really be damaged',
  });
}

