import { canonicalItem } from '../../bootstrap/content.js';
import type { KubeObject } from '../../kube/types.js';
import type { RbacObjects } from './effective-permissions.js';
import type { PolicyRule } from './rules.js';
import { selectorMatches, type LabelSelector } from './selector.js';

/**
 * Rules of every Role (`Role ns/name`) and ClusterRole (`ClusterRole name`). An aggregated ClusterRole holds both the
 * rules its selectors match (resolved recursively, what the aggregation controller will write) and its live `.rules`
 * (what the authorizer uses now); where the two differ, a note says how, so neither a lagging controller nor a rule
 * written straight into an aggregated role goes unseen.
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
    const selected = matched.flatMap((other) => resolve(other));
    resolving.delete(name);
    return remember(name, union(selected, rulesOf(role), name, notes));
  };
  for (const role of objects.clusterRoles) resolve(role);
  return out;
}

/** The selected rules plus live rules the selection lacks; notes each side's extra rules. */
function union(selected: PolicyRule[], live: PolicyRule[], name: string, notes: string[]): PolicyRule[] {
  const selectedKeys = new Set(selected.map(canonicalItem));
  const liveKeys = new Set(live.map(canonicalItem));
  const onlyLive = live.filter((r) => !selectedKeys.has(canonicalItem(r)));
  const onlySelected = [...selectedKeys].filter((k) => !liveKeys.has(k));
  if (onlyLive.length) {
    notes.push(`ClusterRole ${name}: ${onlyLive.length} live rule(s) its aggregationRule does not select, counted as granted (the authorizer uses them until the aggregation controller rewrites them): ${onlyLive.slice(0, 3).map(canonicalItem).join(' ')}`);
  }
  if (onlySelected.length) {
    notes.push(`ClusterRole ${name}: ${onlySelected.length} selected rule(s) not yet in its live rules, counted as granted (the aggregation controller adds them): ${onlySelected.slice(0, 3).join(' ')}`);
  }
  return [...selected, ...onlyLive];
}

function rulesOf(role: KubeObject): PolicyRule[] {
  return Array.isArray(role.rules) ? (role.rules as PolicyRule[]) : [];
}

function aggregationSelectors(role: KubeObject): LabelSelector[] | undefined {
  const rule = role.aggregationRule as { clusterRoleSelectors?: LabelSelector[] } | undefined;
  return rule ? (rule.clusterRoleSelectors ?? []) : undefined;
}
