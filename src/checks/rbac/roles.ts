import type { KubeObject } from '../../kube/types.js';
import type { RbacObjects } from './effective-permissions.js';
import type { PolicyRule } from './rules.js';
import { selectorMatches, type LabelSelector } from './selector.js';

/**
 * Rules of every Role (`Role ns/name`) and ClusterRole (`ClusterRole name`). A ClusterRole with an aggregationRule gets
 * the rules of every other ClusterRole its selectors match (resolved recursively), as the aggregation controller computes them.
 */
export function resolveRoleRules(objects: Pick<RbacObjects, 'roles' | 'clusterRoles'>, notes: string[]): Map<string, PolicyRule[]> {
  const out = new Map<string, PolicyRule[]>();
  for (const role of objects.roles) out.set(`Role ${role.metadata.namespace ?? ''}/${role.metadata.name}`, rulesOf(role));
  const byName = new Map(objects.clusterRoles.map((r) => [r.metadata.name, r]));
  const resolving = new Set<string>();
  const remember = (name: string, rules: PolicyRule[]) => {
    out.set(`ClusterRole ${name}`, rules);
    return rules;
  };
  const resolve = (role: KubeObject): PolicyRule[] => {
    const name = role.metadata.name;
    const done = out.get(`ClusterRole ${name}`);
    if (done) return done;
    const selectors = aggregationSelectors(role);
    if (!selectors) return remember(name, rulesOf(role));
    if (resolving.has(name)) {
      notes.push(`ClusterRole ${name} aggregates itself through a cycle: the cycle adds nothing`);
      return [];
    }
    resolving.add(name);
    const matched = [...byName.values()].filter(
      (other) => other.metadata.name !== name && selectors.some((s) => selectorMatches(s, other.metadata.labels)),
    );
    const rules = matched.flatMap((other) => resolve(other));
    resolving.delete(name);
    return remember(name, rules);
  };
  for (const role of objects.clusterRoles) resolve(role);
  return out;
}

function rulesOf(role: KubeObject): PolicyRule[] {
  return Array.isArray(role.rules) ? (role.rules as PolicyRule[]) : [];
}

function aggregationSelectors(role: KubeObject): LabelSelector[] | undefined {
  const rule = role.aggregationRule as { clusterRoleSelectors?: LabelSelector[] } | undefined;
  return rule ? (rule.clusterRoleSelectors ?? []) : undefined;
}
