import { canonicalJson } from '../core/canonical-json.js';
import type { KubeObject } from '../kube/types.js';
import type { PolicyContent } from './policy.js';

/** A rule or subject as a comparable string: keys sorted, string lists sorted, empty values dropped (the API's own equality). */
export function canonicalItem(item: unknown): string {
  const record = (item ?? {}) as Record<string, unknown>;
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    clean[key] = Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value].sort() : value;
  }
  return canonicalJson(clean);
}

/** A list of rules or subjects as a sorted list of canonical items: order does not change what they grant. */
export function canonicalSet(items: unknown): string[] {
  return (Array.isArray(items) ? items : []).map(canonicalItem).sort();
}

/** Whether a live RBAC object is exactly one variant of the policy: labels, aggregationRule, rules (unless aggregated), roleRef, subjects. */
export function rbacMatches(live: KubeObject, policy: PolicyContent): boolean {
  if (canonicalJson(live.metadata.labels ?? {}) !== canonicalJson(policy.labels ?? {})) return false;
  if (canonicalJson(selectors(live.aggregationRule)) !== canonicalJson(selectors(policy.aggregationRule))) return false;
  // An aggregated role's rules are the aggregation controller's output: its parts are judged one by one.
  if (!live.aggregationRule && !sameSet(live.rules, policy.rules)) return false;
  if ((live.roleRef || policy.roleRef) && canonicalItem(live.roleRef) !== canonicalItem(policy.roleRef)) return false;
  return live.kind.endsWith('Binding') ? sameSet(live.subjects, policy.subjects) : true;
}

/** Whether a live FlowSchema or PriorityLevelConfiguration has exactly the policy's spec. */
export function specMatches(live: KubeObject, policy: PolicyContent): boolean {
  return policy.spec !== undefined && canonicalJson(live.spec ?? null) === canonicalJson(policy.spec);
}

function sameSet(a: unknown, b: unknown): boolean {
  return canonicalJson(canonicalSet(a)) === canonicalJson(canonicalSet(b));
}

function selectors(rule: unknown): string[] | null {
  if (!rule) return null;
  return canonicalSet((rule as { clusterRoleSelectors?: unknown[] }).clusterRoleSelectors);
}
