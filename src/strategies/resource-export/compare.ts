import type { KubeObject } from '../../kube/types.js';

/**
 * True when every field of `desired` is present in `live` with the same value: objects are compared key by key
 * (extra live fields are server defaults or other managers' fields), arrays element by element and by length.
 * A null or absent desired field constrains nothing; an empty object or array also matches an absent live one.
 */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === null || desired === undefined) return true;
  if (Array.isArray(desired)) {
    if (desired.length === 0) return live === null || live === undefined || (Array.isArray(live) && live.length === 0);
    return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => isSubset(d, live[i]));
  }
  if (typeof desired === 'object') {
    if (live === null || live === undefined) return Object.keys(desired).length === 0;
    if (typeof live !== 'object' || Array.isArray(live)) return false;
    const liveMap = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, liveMap[k]));
  }
  return desired === live;
}

/** The part of an apply body that must match the live object for the object to count as unchanged. */
export function comparable(desired: KubeObject): KubeObject {
  if (desired.kind === 'ClusterRole' && desired.aggregationRule && desired.apiVersion.startsWith('rbac.authorization.k8s.io/')) {
    // The aggregation controller owns the computed rules.
    const { rules: _rules, ...rest } = desired;
    return rest as KubeObject;
  }
  return desired;
}

/** The desired object (and its status, when restored through /status) already matches the live one. */
export function matchesLive(desired: KubeObject, status: unknown, live: KubeObject): boolean {
  return isSubset(comparable(desired), live) && (status === undefined || isSubset(status, live.status));
}
