import type { ApiResource, KubeObject } from '../../kube/types.js';
import { buildCatalog, expandNonResourceRule, expandResourceRule, type BindingScope, type PolicyRule, type ResourceCatalog } from './rules.js';
import { resolveRoleRules } from './roles.js';
import { isSystemObject, isSystemSubject } from './system.js';
import { CLUSTER_SCOPE, nonResourceKey, subjectKey, subjectRef, tupleKey, type SubjectPermissions } from './tuples.js';

export { diffPermissions, type PermissionDiff, type SubjectDelta } from './diff.js';
export { dangerousGrants, type DangerousGrant } from './dangerous.js';

/** The four RBAC kinds, as listed from the API. */
export interface RbacObjects {
  roles: KubeObject[];
  clusterRoles: KubeObject[];
  roleBindings: KubeObject[];
  clusterRoleBindings: KubeObject[];
}

export interface PermissionOptions {
  /** Discovery's resources: what '*' expands to. Without it only '*' markers are kept. */
  catalog?: readonly ApiResource[];
  /** Keep bootstrap bindings of system subjects (default false). */
  includeSystem?: boolean;
  /** Only RoleBindings in these namespaces (ClusterRoleBindings always count: they grant in every namespace). */
  namespaces?: readonly string[];
}

/** Per subject key, every permission and what grants it; notes name bindings that grant nothing (missing roleRef). */
export interface EffectivePermissions {
  subjects: Record<string, SubjectPermissions>;
  notes: string[];
}

interface Binding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  object: KubeObject;
  roleRef: { kind?: string; name?: string };
  subjects: { kind?: string; name?: string; namespace?: string }[];
}

/** Compute what every subject may do from the RBAC objects, as an RBAC authorizer would decide it. */
export function computeEffectivePermissions(objects: RbacObjects, options: PermissionOptions = {}): EffectivePermissions {
  const notes: string[] = [];
  const catalog = buildCatalog(options.catalog ?? []);
  const rules = resolveRoleRules(objects, notes);
  const subjects: Record<string, SubjectPermissions> = {};
  const expansions = new Map<string, ReturnType<typeof expand>>();
  for (const binding of bindings(objects, options)) {
    const namespace = binding.object.metadata.namespace ?? '';
    const roleKey = binding.roleRef.kind === 'Role' ? `Role ${namespace}/${binding.roleRef.name}` : `ClusterRole ${binding.roleRef.name}`;
    const roleRules = rules.get(roleKey);
    const bindingName = binding.kind === 'RoleBinding' ? `RoleBinding ${namespace}/${binding.object.metadata.name}` : `ClusterRoleBinding ${binding.object.metadata.name}`;
    if (!roleRules) {
      notes.push(`${bindingName} grants nothing: its roleRef ${roleKey} does not exist`);
      continue;
    }
    const scope: BindingScope = binding.kind === 'RoleBinding' ? 'namespace' : 'cluster';
    const cacheKey = `${roleKey}|${scope}`;
    const granted = expansions.get(cacheKey) ?? expand(roleRules, catalog, scope);
    expansions.set(cacheKey, granted);
    const grant = `${bindingName} → ${roleKey}`;
    for (const raw of binding.subjects) {
      const subject = subjectRef(raw, namespace);
      if (!subject) continue;
      if (!options.includeSystem && isSystemObject(binding.object) && isSystemSubject(subject)) continue;
      const key = subjectKey(subject);
      const held = (subjects[key] ??= { subject, resources: {}, nonResourceURLs: {} });
      for (const g of granted.resources) add(held.resources, tupleKey({ ...g, namespace: scope === 'cluster' ? CLUSTER_SCOPE : namespace }), grant);
      for (const g of granted.nonResourceURLs) add(held.nonResourceURLs, nonResourceKey(g), grant);
    }
  }
  return { subjects, notes };
}

function bindings(objects: RbacObjects, options: PermissionOptions): Binding[] {
  const inScope = (o: KubeObject) => !options.namespaces?.length || options.namespaces.includes(o.metadata.namespace ?? '');
  const wrap = (kind: Binding['kind']) => (object: KubeObject): Binding => ({
    kind,
    object,
    roleRef: (object.roleRef ?? {}) as Binding['roleRef'],
    subjects: (object.subjects ?? []) as Binding['subjects'],
  });
  return [...objects.clusterRoleBindings.map(wrap('ClusterRoleBinding')), ...objects.roleBindings.filter(inScope).map(wrap('RoleBinding'))];
}

function expand(rules: PolicyRule[], catalog: ResourceCatalog, scope: BindingScope) {
  return {
    resources: rules.flatMap((rule) => expandResourceRule(rule, catalog, scope)),
    nonResourceURLs: rules.flatMap((rule) => expandNonResourceRule(rule, scope)),
  };
}

function add(into: Record<string, string[]>, key: string, grant: string): void {
  const grants = (into[key] ??= []);
  if (!grants.includes(grant)) grants.push(grant);
}
