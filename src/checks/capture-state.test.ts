import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../kube/client.js';
import type { ApiResource, KubeObject } from '../kube/types.js';
import { isSkippedObject, matchesKind } from './capture-skip.js';
import { captureState, selectResources } from './capture-state.js';
import { mapLimit } from '../core/map-limit.js';

const res = (group: string, version: string, name: string, kind: string, namespaced = true, verbs = ['get', 'list']): ApiResource => ({
  group,
  version,
  name,
  kind,
  namespaced,
  verbs,
  subresources: [],
});

const ALL: ApiResource[] = [
  res('', 'v1', 'configmaps', 'ConfigMap'),
  res('', 'v1', 'namespaces', 'Namespace', false),
  res('', 'v1', 'events', 'Event'),
  res('', 'v1', 'nodes', 'Node', false),
  res('authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', false, ['create']),
  res('autoscaling', 'v1', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'),
  res('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'),
  res('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  res('apps', 'v1', 'deployments', 'Deployment'),
];
const PREFERRED = new Map([['', 'v1'], ['autoscaling', 'v2'], ['apps', 'v1'], ['rbac.authorization.k8s.io', 'v1']]);
const ids = (list: ApiResource[]) => list.map((r) => `${r.group}/${r.version}/${r.name}`).sort();

describe('selectResources', () => {
  it('skips non-listable and default-skipped resources and takes each at its preferred version', () => {
    expect(ids(selectResources(ALL, PREFERRED, {}))).toEqual([
      '/v1/configmaps',
      '/v1/namespaces',
      'apps/v1/deployments',
      'autoscaling/v2/horizontalpodautoscalers',
      'rbac.authorization.k8s.io/v1/clusterroles',
    ]);
  });

  it('applies kinds, excludeKinds and namespace scope', () => {
    expect(ids(selectResources(ALL, PREFERRED, { kinds: ['deployments.apps', 'configmap'] }))).toEqual(['/v1/configmaps', 'apps/v1/deployments']);
    expect(ids(selectResources(ALL, PREFERRED, { excludeKinds: ['ConfigMap', 'HorizontalPodAutoscaler'] }))).not.toContain('/v1/configmaps');
    // Namespace scope: cluster-scoped ClusterRoles drop out unless named; Namespaces stay (filtered by name later).
    const scoped = ids(selectResources(ALL, PREFERRED, { namespaces: ['shop'] }));
    expect(scoped).not.toContain('rbac.authorization.k8s.io/v1/clusterroles');
    expect(scoped).toContain('/v1/namespaces');
    expect(ids(selectResources(ALL, PREFERRED, { namespaces: ['shop'], kinds: ['clusterroles'] }))).toEqual(['rbac.authorization.k8s.io/v1/clusterroles']);
  });
});

describe('matchesKind and isSkippedObject', () => {
  it('matches kubectl-style names only in the right group', () => {
    const dep = { group: 'apps', name: 'deployments', kind: 'Deployment' };
    expect(['Deployment', 'deployments', 'deployments.apps', 'deployment.apps'].every((p) => matchesKind(dep, p))).toBe(true);
    expect(matchesKind(dep, 'deployments.extensions')).toBe(false);
    expect(matchesKind({ group: '', name: 'configmaps', kind: 'ConfigMap' }, 'configmaps.apps')).toBe(false);
  });

  it('skips cluster-written objects and keeps user objects', () => {
    const obj = (kind: string, name: string, extra: Record<string, unknown> = {}, ns = 'default'): KubeObject =>
      ({ apiVersion: 'v1', kind, metadata: { name, namespace: ns, ...extra } }) as KubeObject;
    expect(isSkippedObject(obj('ConfigMap', 'kube-root-ca.crt'), '/ConfigMap/default/kube-root-ca.crt')).toBe(true);
    expect(isSkippedObject(obj('Service', 'kubernetes'), '/Service/default/kubernetes')).toBe(true);
    expect(isSkippedObject({ ...obj('Secret', 't'), type: 'kubernetes.io/service-account-token' }, '/Secret/default/t')).toBe(true);
    expect(isSkippedObject(obj('ClusterRole', 'admin', { annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } }), 'x')).toBe(true);
    expect(isSkippedObject(obj('ConfigMap', 'gone', { deletionTimestamp: '2024-01-01T00:00:00Z' }), 'x')).toBe(true);
    expect(isSkippedObject(obj('Pod', 'p', { ownerReferences: [{ controller: true }] }), 'x')).toBe(true);
    expect(isSkippedObject(obj('Pod', 'p'), '/Pod/default/p')).toBe(false);
    expect(isSkippedObject(obj('ConfigMap', 'app'), '/ConfigMap/default/app')).toBe(false);
    expect(isSkippedObject({ ...obj('Secret', 's'), type: 'Opaque' }, '/Secret/default/s')).toBe(false);
  });
});

describe('captureState', () => {
  const lists: Record<string, KubeObject[]> = {
    '/api/v1/namespaces/shop/configmaps': [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'shop', uid: 'u', resourceVersion: '9' }, data: { a: '1' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'shop' } },
    ],
    '/api/v1/namespaces/shop/secrets': [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' }, data: { p: 'c2VjcmV0LXZhbHVl' } }],
    '/api/v1/namespaces': [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' }, status: { phase: 'Active' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } },
    ],
  };
  const fake = {
    get: async (path: string) => (path === '/apis' ? { groups: [] } : undefined),
    getOptional: async () => ({
      groupVersion: 'v1',
      resources: [
        { name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['get', 'list'] },
        { name: 'secrets', kind: 'Secret', namespaced: true, verbs: ['get', 'list'] },
        { name: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['get', 'list'] },
        { name: 'namespaces/status', kind: 'Namespace', namespaced: false, verbs: ['get'] },
      ],
    }),
    listAll: async (path: string) => ({ items: lists[path] ?? [] }),
  } as unknown as KubeClient;

  it('lists the selected namespaces, normalizes, masks and skips cluster-written objects', async () => {
    const state = await captureState(fake, { namespaces: ['shop'] }, 'key');
    expect([...state.keys()].sort()).toEqual(['/ConfigMap/shop/app', '/Namespace//shop', '/Secret/shop/s']);
    expect(state.get('/ConfigMap/shop/app')?.metadata).toEqual({ name: 'app', namespace: 'shop' });
    expect((state.get('/Secret/shop/s')?.data as Record<string, string>).p).toMatch(/^hmac:/);
    // Namespaces have a status subresource: their status is the server's, not part of the state.
    expect(state.get('/Namespace//shop')?.status).toBeUndefined();
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 3, 2], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20]);
    expect(peak).toBe(2);
  });
});
