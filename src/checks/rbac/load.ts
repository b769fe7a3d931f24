import { createHash } from 'node:crypto';
import { apiserverDefault } from '../../bootstrap/defaults.js';
import type { BootstrapPolicy } from '../../bootstrap/policy.js';
import type { KubeClient } from '../../kube/client.js';
import type { RbacObjects } from './effective-permissions.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** The identity value of an object equal to the apiserver's bootstrap policy: its content is its version's policy. */
export const BOOTSTRAP_IDENTITY = 'bootstrap';

/** List the four RBAC kinds cluster-wide (list items lack kind, so it is set here). */
export async function loadRbac(client: KubeClient): Promise<RbacObjects> {
  const list = async (resource: string, kind: string) =>
    (await client.listAll(`${RBAC}/${resource}`)).items.map((o) => ({ ...o, apiVersion: 'rbac.authorization.k8s.io/v1', kind }));
  const [roles, clusterRoles, roleBindings, clusterRoleBindings] = await Promise.all([
    list('roles', 'Role'),
    list('clusterroles', 'ClusterRole'),
    list('rolebindings', 'RoleBinding'),
    list('clusterrolebindings', 'ClusterRoleBinding'),
  ]);
  return { roles, clusterRoles, roleBindings, clusterRoleBindings };
}

/**
 * `Kind ns/name` → hash of what the object grants (rules, aggregationRule, labels, roleRef, subjects), or `bootstrap`
 * for an object equal to the apiserver's policy (unless includeSystem): such objects are compared by that verdict
 * only, so another version's policy is no change, while a changed bootstrap object is.
 */
export function rbacIdentities(
  objects: RbacObjects,
  policy: BootstrapPolicy,
  options: { includeSystem?: boolean; namespaces?: readonly string[] } = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  const all = [...objects.clusterRoles, ...objects.clusterRoleBindings, ...objects.roles, ...objects.roleBindings];
  for (const o of all) {
    const namespace = o.metadata.namespace;
    if (namespace && options.namespaces?.length && !options.namespaces.includes(namespace)) continue;
    const key = `${o.kind} ${namespace ? `${namespace}/` : ''}${o.metadata.name}`;
    if (!options.includeSystem && apiserverDefault(o, policy)) {
      out[key] = BOOTSTRAP_IDENTITY;
      continue;
    }
    // Labels count on roles: they decide which aggregated roles take a role's rules.
    const labels = o.kind.endsWith('Role') ? (o.metadata.labels ?? null) : null;
    const content = JSON.stringify([o.rules ?? null, o.aggregationRule ?? null, o.roleRef ?? null, o.subjects ?? null, labels]);
    out[key] = createHash('sha256').update(content).digest('hex').slice(0, 16);
  }
  return out;
}

/** Objects added, removed and changed between two identity maps; bootstrap objects appearing or vanishing are neither. */
export function diffIdentities(before: Record<string, string>, after: Record<string, string>): { added: string[]; removed: string[]; changed: string[] } {
  const added = Object.keys(after).filter((k) => !(k in before) && after[k] !== BOOTSTRAP_IDENTITY).sort();
  const removed = Object.keys(before).filter((k) => !(k in after) && before[k] !== BOOTSTRAP_IDENTITY).sort();
  const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]).sort();
  return { added, removed, changed };
}
