import { canonicalItem } from '../../bootstrap/content.js';
import { policyRules, policySubjects } from '../../bootstrap/defaults.js';
import type { BootstrapPolicy } from '../../bootstrap/policy.js';
import type { ApiResource, KubeObject } from '../../kube/types.js';
import { buildCatalog, expandNonResourceRule, expandResourceRule, type BindingScope, type PolicyRule, type ResourceCatalog } from './rules.js';
import { resolveRoleRules } from './roles.js';
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
  /** The apiserver's bootstrap policy for its version: the grants it makes itself are held, but nobody's doing. */
  policy?: BootstrapPolicy;
  /** Count the policy's own grants as someone's too (default false). */
  includeSystem?: boolean;
  /** Only RoleBindings in these namespaces (ClusterRoleBindings always count: they grant in every namespace). */
  namespaces?: readonly string[];
}

/** Per subject key, every permission and what grants it; notes name bindings that grant nothing (missing roleRef). */
export interface EffectivePermissions {
  /** Grants someone made: every grant but the bootstrap policy's own (rule of its role × subject of its binding). */
  subjects: Record<string, SubjectPermissions>;
  /** Every grant the authorizer sees, the policy's included: a permission held this way is never gained or lost. */
  held: Record<string, SubjectPermissions>;
  notes: string[];
}

interface Binding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  object: KubeObject;
  roleRef: { kind?: string; name?: string };
  subjects: { kind?: string; name?: string; namespace?: string }[];
}

interface Expanded {
  resources: ReturnType<typeof expandResourceRule>;
  nonResourceURLs: ReturnType<typeof expandNonResourceRule>;
}

/**
 * Compute what every subject may do from the RBAC objects, as an RBAC authorizer would decide it. With a policy, a
 * grant is the apiserver's own only when both its rule is one the policy gives the role and its subject one the
 * policy binds: an extra rule on a bootstrap role, or an extra subject on a bootstrap binding, is someone's grant.
 */
export function computeEffectivePermissions(objects: RbacObjects, options: PermissionOptions = {}): EffectivePermissions {
  const notes: string[] = [];
  const catalog = buildCatalog(options.catalog ?? []);
  const rules = resolveRoleRules(objects, notes);
  const roleObjects = new Map([...objects.roles, ...objects.clusterRoles].map((r) => [roleKeyOf(r), r]));
  const policy = options.includeSystem ? undefined : options.policy;
  const out: EffectivePermissions = { subjects: {}, held: {}, notes };
  const expansions = new Map<string, { policy: Expanded; own: Expanded }>();
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
    const granted = expansions.get(cacheKey) ?? split(roleRules, roleObjects.get(roleKey), policy, catalog, scope);
    expansions.set(cacheKey, granted);
    const bootstrapSubjects = policy ? policySubjects(binding.object, policy) : new Set<string>();
    const grant = `${bindingName} → ${roleKey}`;
    for (const raw of binding.subjects) {
      const subject = subjectRef(raw, namespace);
      if (!subject) continue;
      const place = scope === 'cluster' ? CLUSTER_SCOPE : namespace;
      const key = subjectKey(subject);
      const held = (out.held[key] ??= { subject, resources: {}, nonResourceURLs: {} });
      addAll(held, granted.policy, place, grant);
      addAll(held, granted.own, place, grant);
      const policySubject = bootstrapSubjects.has(canonicalItem(raw));
      if (!policySubject || hasAny(granted.own)) {
        const own = (out.subjects[key] ??= { subject, resources: {}, nonResourceURLs: {} });
        addAll(own, granted.own, place, grant);
        if (!policySubject) addAll(own, granted.policy, place, grant);
      }
    }
  }
  return out;
}

/** The role's rules expanded, split into the policy's own rules for this role and the rest. */
function split(rules: PolicyRule[], role: KubeObject | undefined, policy: BootstrapPolicy | undefined, catalog: ResourceCatalog, scope: BindingScope) {
  const mine = role && policy ? policyRules(role, policy) : new Set<string>();
  const isPolicy = (rule: PolicyRule) => mine.has(canonicalItem(rule));
  return { policy: expand(rules.filter(isPolicy), catalog, scope), own: expand(rules.filter((r) => !isPolicy(r)), catalog, scope) };
}

function roleKeyOf(role: KubeObject): string {
  return role.kind === 'Role' ? `Role ${role.metadata.namespace ?? ''}/${role.metadata.name}` : `ClusterRole ${role.metadata.name}`;
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

function expand(rules: PolicyRule[], catalog: ResourceCatalog, scope: BindingScope): Expanded {
  return {
    resources: rules.flatMap((rule) => expandResourceRule(rule, catalog, scope)),
    nonResourceURLs: rules.flatMap((rule) => expandNonResourceRule(rule, scope)),
  };
}

function hasAny(e: Expanded): boolean {
  return e.resources.length > 0 || e.nonResourceURLs.length > 0;
}

function addAll(into: SubjectPermissions, granted: Expanded, namespace: string, grant: string): void {
  for (const g of granted.resources) add(into.resources, tupleKey({ ...g, namespace }), grant);
  for (const g of granted.nonResourceURLs) add(into.nonResourceURLs, nonResourceKey(g), grant);
}

function add(into: Record<string, string[]>, key: string, grant: string): void {
  const grants = (into[key] ??= []);
  if (!grants.includes(grant)) grants.push(grant);
}
