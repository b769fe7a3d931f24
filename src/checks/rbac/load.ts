import { createHash } from 'node:crypto';
import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../kube/types.js';
import type { RbacObjects } from './effective-permissions.js';
import { isSystemObject, isSystemSubject } from './system.js';
import { subjectRef } from './tuples.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

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

/** `Kind ns/name` → hash of what the object grants (rules, aggregationRule, roleRef, subjects), system objects left out unless asked. */
export function rbacIdentities(objects: RbacObjects, options: { includeSystem?: boolean; namespaces?: readonly string[] } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const all = [...objects.clusterRoles, ...objects.clusterRoleBindings, ...objects.roles, ...objects.roleBindings];
  for (const o of all) {
    const namespace = o.metadata.namespace;
    if (namespace && options.namespaces?.length && !options.namespaces.includes(namespace)) continue;
    if (!options.includeSystem && isSystemObject(o) && onlySystemSubjects(o)) continue;
    const content = JSON.stringify([o.rules ?? null, o.aggregationRule ?? null, o.roleRef ?? null, o.subjects ?? null]);
    out[`${o.kind} ${namespace ? `${namespace}/` : ''}${o.metadata.name}`] = createHash('sha256').update(content).digest('hex').slice(0, 16);
  }
  return out;
}

/** Roles have no subjects: a system role counts as system. */
function onlySystemSubjects(o: KubeObject): boolean {
  const subjects = (o.subjects ?? []) as { kind?: string; name?: string; namespace?: string }[];
  return subjects.every((s) => {
    const ref = subjectRef(s, o.metadata.namespace);
    return !ref || isSystemSubject(ref);
  });
}

/** Objects added, removed and changed between two identity maps. */
export function diffIdentities(before: Record<string, string>, after: Record<string, string>): { added: string[]; removed: string[]; changed: string[] } {
  const added = Object.keys(after).filter((k) => !(k in before)).sort();
  const removed = Object.keys(before).filter((k) => !(k in after)).sort();
  const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]).sort();
  return { added, removed, changed };
}
