import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/types.js';
import { isSubset, matchesLive } from './compare.js';

describe('isSubset', () => {
  it('accepts extra live fields (defaults, other managers) but not changed or missing values', () => {
    expect(isSubset({ a: 1, b: { c: 'x' } }, { a: 1, b: { c: 'x', d: 2 }, e: 3 })).toBe(true);
    expect(isSubset({ a: 1, b: { c: 'x' } }, { a: 1, b: { c: 'y' } })).toBe(false);
    expect(isSubset({ a: 1 }, { b: 1 })).toBe(false);
    expect(isSubset({ a: '1' }, { a: 1 })).toBe(false);
  });

  it('compares arrays by length and element, so an added RoleBinding subject is a difference', () => {
    expect(isSubset([{ name: 'a' }], [{ name: 'a', extra: 1 }])).toBe(true);
    expect(isSubset([{ name: 'a' }], [{ name: 'a' }, { name: 'attacker' }])).toBe(false);
    expect(isSubset(['a', 'b'], ['b', 'a'])).toBe(false);
  });

  it('treats null and empty containers as absent', () => {
    expect(isSubset({ creationTimestamp: null }, {})).toBe(true);
    expect(isSubset({ securityContext: {} }, {})).toBe(true);
    expect(isSubset({ rules: [] }, {})).toBe(true);
    expect(isSubset({ rules: [] }, { rules: [{ verbs: ['get'] }] })).toBe(false);
    expect(isSubset({ spec: { x: 1 } }, {})).toBe(false);
  });
});

describe('matchesLive', () => {
  const live: KubeObject = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'agg', uid: 'u', resourceVersion: '5' },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] }, rules: [{ verbs: ['get'] }],
  };

  it('ignores the computed rules of an aggregated ClusterRole', () => {
    const desired = { ...live, metadata: { name: 'agg' }, rules: [] };
    expect(matchesLive(desired, undefined, live)).toBe(true);
    expect(matchesLive({ ...desired, aggregationRule: { clusterRoleSelectors: [] } }, undefined, live)).toBe(false);
  });

  it('also compares the status sent through /status', () => {
    const cr: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 }, status: { ready: true, seen: 2 } };
    const desired: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } };
    expect(matchesLive(desired, { ready: true }, cr)).toBe(true);
    expect(matchesLive(desired, { ready: false }, cr)).toBe(false);
  });
});
