import { Type } from '@sinclair/typebox';
import { describePolicy, loadBootstrapPolicy, type BootstrapPolicy } from '../bootstrap/policy.js';
import type { Check, CheckOutcome, DrillContext } from '../contracts/types.js';
import { discoverResources } from '../kube/discovery.js';
import type { ApiResource } from '../kube/types.js';
import { parseCheckOptions } from './check-support.js';
import { pickSamples, reviewAccess } from './rbac/access-review.js';
import { readBackupRbac } from './rbac/backup-rbac.js';
import { findCulprits, type RestoreFacts } from './rbac/culprits.js';
import { computeEffectivePermissions, dangerousGrants, diffPermissions, type EffectivePermissions } from './rbac/effective-permissions.js';
import { diffIdentities, loadRbac, rbacIdentities } from './rbac/load.js';
import { creepOutcome } from './rbac/report.js';

const ID = 'rbac-creep';

/** Options of the rbac-creep check. */
export const RbacCreepOptions = Type.Object(
  {
    namespaces: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Only RoleBindings of these namespaces (ClusterRoleBindings always count)' })),
    includeSystem: Type.Optional(Type.Boolean({
      default: false,
      description: "Also compare the apiserver's own bootstrap grants (objects equal to its version's bootstrap policy; changed ones always count)",
    })),
    samples: Type.Optional(Type.Integer({ minimum: 0, maximum: 200, default: 20, description: 'Permissions to confirm with SubjectAccessReview (a lasting disagreement fails the check)' })),
  },
  { additionalProperties: false },
);

interface CreepBaseline {
  /** Discovery at baseline: both sides expand '*' against it, so a missing CRD is not mistaken for a lost permission. */
  catalog: ApiResource[];
  permissions: EffectivePermissions;
  identities: Record<string, string>;
  dangerous: string[];
  policy: string;
}

/** Effective RBAC permissions after the restore equal the baseline's: no subject gained (creep) or lost a permission. */
export const rbacCreep: Check = {
  id: ID,
  description: 'Effective RBAC permissions per subject are unchanged by the restore (no creep, no loss), confirmed by SubjectAccessReview',
  optionsSchema: RbacCreepOptions,

  async baseline(ctx: DrillContext, options: Record<string, unknown>): Promise<unknown> {
    const opts = parseCheckOptions(ID, RbacCreepOptions, options);
    const [catalog, objects, policy] = await Promise.all([discoverResources(ctx.client), loadRbac(ctx.client), loadBootstrapPolicy(ctx.client)]);
    const permissions = computeEffectivePermissions(objects, { ...opts, catalog, policy });
    const baseline: CreepBaseline = {
      catalog,
      permissions,
      identities: rbacIdentities(objects, policy, opts),
      dangerous: dangerousGrants(permissions).map((d) => d.id),
      policy: describePolicy(policy),
    };
    ctx.logger.debug(`${ID}: baseline of ${Object.keys(permissions.subjects).length} subjects`);
    return baseline;
  },

  async verify(ctx: DrillContext, options: Record<string, unknown>, baseline: unknown): Promise<CheckOutcome> {
    const opts = parseCheckOptions(ID, RbacCreepOptions, options);
    const base = baseline as CreepBaseline | undefined;
    if (!base?.permissions) return { status: 'error', summary: 'no baseline: the baseline phase of rbac-creep did not run' };
    const [objects, policy] = await Promise.all([loadRbac(ctx.client), loadBootstrapPolicy(ctx.client)]);
    const restored = computeEffectivePermissions(objects, { ...opts, catalog: base.catalog, policy });
    const diff = diffPermissions(base.permissions, restored);
    const dangerous = dangerousGrants(restored);
    const reviews = await reviewAccess(ctx.client, pickSamples(diff, restored, opts.samples ?? 20), ctx.signal);
    const identities = diffIdentities(base.identities, rbacIdentities(objects, policy, opts));
    const changed = identities.added.length + identities.changed.length > 0 && diff.gained.length + diff.lost.length > 0;
    const culprits = changed ? findCulprits(identities, objects, await readBackupRbac(ctx), restoreFacts(ctx), policy) : [];
    const held = Object.values(restored.subjects);
    return creepOutcome({
      diff,
      dangerousNew: dangerous.filter((d) => !base.dangerous.includes(d.id)),
      dangerousExisting: dangerous.filter((d) => base.dangerous.includes(d.id)),
      reviews,
      objects: identities,
      culprits,
      notes: [...new Set([...base.permissions.notes.map((n) => `baseline: ${n}`), ...restored.notes.map((n) => `restored: ${n}`)])],
      policy: policies(base.policy, policy),
      subjects: held.length,
      permissions: held.reduce((n, h) => n + Object.keys(h.resources).length + Object.keys(h.nonResourceURLs).length, 0),
    });
  },
};

/** How the scenario restored: a resource-export restore into the same cluster only removes what the backup lacks when it prunes. */
function restoreFacts(ctx: DrillContext): RestoreFacts {
  const restore = ctx.scenario.spec.restore;
  return {
    strategy: restore?.strategy ?? ctx.scenario.spec.backup.strategy,
    target: restore?.target === 'fresh' ? 'fresh' : 'same',
    prune: (restore?.options as { prune?: unknown } | undefined)?.prune === true,
  };
}

function policies(baseline: string, restored: BootstrapPolicy): string[] {
  const now = describePolicy(restored);
  return now === baseline ? [now] : [`baseline: ${baseline}`, `restored: ${now}`];
}
