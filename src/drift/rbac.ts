import { policyRbacObjects } from '../bootstrap/defaults.js';
import { describePolicy, type BootstrapPolicy } from '../bootstrap/policy.js';
import { dangerousGrants } from '../checks/rbac/dangerous.js';
import { computeEffectivePermissions, diffPermissions, type RbacObjects } from '../checks/rbac/effective-permissions.js';
import { diffIdentities, rbacIdentities } from '../checks/rbac/load.js';
import { rbacKey } from '../checks/rbac/backup-rbac.js';
import { describeDelta } from '../checks/rbac/report.js';
import type { ApiResource, KubeObject } from '../kube/types.js';

/** How effective RBAC differs from the backup: objects, permissions per subject, new dangerous grants (rbac-creep's engine). */
export interface RbacDrift {
  objects: { added: string[]; removed: string[]; changed: string[] };
  gained: ReturnType<typeof describeDelta>[];
  lost: ReturnType<typeof describeDelta>[];
  dangerousNew: string[];
  policy: string[];
}

/**
 * RBAC of the backup against the live cluster, each side judged against its own version's bootstrap policy. Both
 * sides were listed with the backup's skip rules, which leave out objects equal to the policy: they are put back from
 * the policy, so a binding to `view` still grants.
 */
export function compareRbac(backup: RbacObjects, live: RbacObjects, catalog: readonly ApiResource[], policies: { backup: BootstrapPolicy; live: BootstrapPolicy }): RbacDrift {
  const then = withPolicyObjects(backup, policies.backup);
  const now = withPolicyObjects(live, policies.live);
  const before = computeEffectivePermissions(then, { catalog, policy: policies.backup });
  const after = computeEffectivePermissions(now, { catalog, policy: policies.live });
  const diff = diffPermissions(before, after);
  const known = new Set(dangerousGrants(before).map((d) => d.id));
  const describe = [describePolicy(policies.backup), describePolicy(policies.live)];
  return {
    objects: diffIdentities(rbacIdentities(then, policies.backup), rbacIdentities(now, policies.live)),
    gained: diff.gained.map(describeDelta),
    lost: diff.lost.map(describeDelta),
    dangerousNew: dangerousGrants(after).filter((d) => !known.has(d.id)).map((d) => d.description),
    policy: describe[0] === describe[1] ? [describe[0]!] : [`backup: ${describe[0]}`, `live: ${describe[1]}`],
  };
}

/** The four RBAC kinds out of a list of objects of any kind. */
export function splitRbac(objects: readonly KubeObject[]): RbacObjects {
  const of = (kind: string) => objects.filter((o) => o.kind === kind && o.apiVersion.startsWith('rbac.authorization.k8s.io/'));
  return { roles: of('Role'), clusterRoles: of('ClusterRole'), roleBindings: of('RoleBinding'), clusterRoleBindings: of('ClusterRoleBinding') };
}

function withPolicyObjects(objects: RbacObjects, policy: BootstrapPolicy): RbacObjects {
  const present = new Set([...objects.roles, ...objects.clusterRoles, ...objects.roleBindings, ...objects.clusterRoleBindings].map((o) => rbacKey(o.kind, o)));
  const missing = policyRbacObjects(policy).filter((o) => !present.has(rbacKey(o.kind, o)));
  const add = splitRbac(missing);
  return {
    roles: [...objects.roles, ...add.roles],
    clusterRoles: [...objects.clusterRoles, ...add.clusterRoles],
    roleBindings: [...objects.roleBindings, ...add.roleBindings],
    clusterRoleBindings: [...objects.clusterRoleBindings, ...add.clusterRoleBindings],
  };
}
