import { describe, expect, it } from 'vitest';
import { selectorMatches } from './selector.js';
import { allows, allowsNonResource, CLUSTER_SCOPE, formatTuple, parseTupleKey, subjectRef, tupleKey, type SubjectPermissions } from './tuples.js';

const held = (resources: string[], urls: string[] = []): SubjectPermissions => ({
  subject: { kind: 'User', name: 'u' },
  resources: Object.fromEntries(resources.map((k) => [k, ['x']])),
  nonResourceURLs: Object.fromEntries(urls.map((k) => [k, ['x']])),
});

describe('RBAC matching', () => {
  it('covers a namespaced permission by a cluster grant, "*" values and a grant without names', () => {
    const t = parseTupleKey('shop|apps|deployments|scale|web|update');
    expect(allows(held(['shop|apps|deployments|scale||update']), t)).toBe(true);
    expect(allows(held([`${CLUSTER_SCOPE}|*|*|||*`]), t)).toBe(true);
    expect(allows(held([`${CLUSTER_SCOPE}|apps|*|scale||update`]), t)).toBe(true);
    expect(allows(held(['other|apps|deployments|scale||update']), t)).toBe(false);
    expect(allows(held(['shop|apps|deployments|||update']), t)).toBe(false);
    expect(allows(held(['shop|apps|deployments|scale|api|update']), t)).toBe(false);
    expect(allows(held(['shop|apps|deployments|scale||update']), parseTupleKey(`${CLUSTER_SCOPE}|apps|deployments|scale||update`))).toBe(false);
  });

  it('matches non-resource URLs exactly, by "*" and by a prefix pattern', () => {
    expect(allowsNonResource(held([], ['/healthz/*|get']), { url: '/healthz/etcd', verb: 'get' })).toBe(true);
    expect(allowsNonResource(held([], ['/healthz/*|get']), { url: '/metrics', verb: 'get' })).toBe(false);
    expect(allowsNonResource(held([], ['*|*']), { url: '/metrics', verb: 'post' })).toBe(true);
    expect(allowsNonResource(held([], ['/metrics|get']), { url: '/metrics', verb: 'post' })).toBe(false);
  });

  it('names a User spelled as a ServiceAccount username as that ServiceAccount', () => {
    expect(subjectRef({ kind: 'User', name: 'system:serviceaccount:shop:web' })).toEqual({ kind: 'ServiceAccount', name: 'system:serviceaccount:shop:web' });
    expect(subjectRef({ kind: 'ServiceAccount', name: 'web' }, 'shop')).toEqual({ kind: 'ServiceAccount', name: 'system:serviceaccount:shop:web' });
    expect(subjectRef({ kind: 'Robot', name: 'r2' })).toBeUndefined();
  });

  it('round-trips and formats tuple keys', () => {
    const t = { namespace: CLUSTER_SCOPE, apiGroup: '', resource: 'secrets', subresource: '', resourceName: 'db', verb: 'get' };
    expect(parseTupleKey(tupleKey(t))).toEqual(t);
    expect(formatTuple(t)).toBe('get core/secrets name=db cluster-wide');
  });
});

describe('selectorMatches', () => {
  it('applies matchLabels and every expression operator', () => {
    const labels = { a: '1', b: '2' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { a: '1' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { a: '2' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'b', operator: 'NotIn', values: ['2'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }, { key: 'a', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['0'] }] }, labels)).toBe(false);
  });
});
