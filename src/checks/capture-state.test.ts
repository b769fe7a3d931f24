import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../kube/client.js';
import type { ApiResource, KubeObject } from '../kube/types.js';
import { policyFor } from '../bootstrap/policy.js';
import { isKdrillMarker, isSkippedObject, matchesKind } from './capture-skip.js';
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

const policy = policyFor('v1.37.2');

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
    const skipped = (o: KubeObject, key = 'x') => isSkippedObject(o, key, policy);
    expect(skipped(obj('ConfigMap', 'kube-root-ca.crt'), '/ConfigMap/default/kube-root-ca.crt')).toBe(true);
    expect(skipped(obj('Service', 'kubernetes'), '/Service/default/kubernetes')).toBe(true);
    expect(skipped({ ...obj('Secret', 't'), type: 'kubernetes.io/service-account-token' }, '/Secret/default/t')).toBe(true);
    expect(skipped(obj('ConfigMap', 'gone', { deletionTimestamp: '2024-01-01T00:00:00Z' }))).toBe(true);
    expect(skipped(obj('Pod', 'p', { ownerReferences: [{ controller: true }] }))).toBe(true);
    expect(skipped(obj('Pod', 'p'), '/Pod/default/p')).toBe(false);
    expect(skipped(obj('ConfigMap', 'app'), '/ConfigMap/default/app')).toBe(false);
    expect(skipped({ ...obj('Secret', 's'), type: 'Opaque' }, '/Secret/default/s')).toBe(false);
  });

  it('skips apiserver defaults by content only: the labels and annotations that used to hide anything hide nothing', () => {
    const autoupdate = { 'rbac.authorization.kubernetes.io/autoupdate': 'true', 'apf.kubernetes.io/autoupdate-spec': 'true' };
    const disguise = { annotations: autoupdate, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', 'kube-aggregator.kubernetes.io/automanaged': 'true' } };
    const [admin] = policy.variants('ClusterRole', undefined, 'cluster-admin');
    const clusterAdmin: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'cluster-admin', labels: admin!.labels!, annotations: autoupdate }, rules: admin!.rules! };
    expect(isSkippedObject(clusterAdmin, 'x', policy)).toBe(true);
    const planted: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'system:kube-dns-metrics', ...disguise },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }, { kind: 'Group', name: 'system:nodes', apiGroup: 'rbac.authorization.k8s.io' }],
    };
    expect(isSkippedObject(planted, 'x', policy)).toBe(false);
    const widened = { ...clusterAdmin, metadata: { ...clusterAdmin.metadata, name: 'system:kube-scheduler' } };
    expect(isSkippedObject(widened, 'x', policy)).toBe(false);
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'loot', namespace: 'default', ...disguise }, data: { a: 'b' } };
    expect(isSkippedObject(configMap, 'x', policy)).toBe(false);
    const proxied: KubeObject = { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.metrics.example.com', ...disguise }, spec: { service: { namespace: 'evil', name: 'mitm' } } };
    expect(isSkippedObject(proxied, 'x', policy)).toBe(false);
    expect(isSkippedObject({ ...proxied, spec: { group: 'apps', version: 'v1' } }, 'x', policy)).toBe(true);
  });

  it('skips kdrill markers only when they can hold nothing but a timestamp', () => {
    const labels = { 'kdrill.dev/internal': 'true', 'kdrill.dev/run-id': 'r1', 'kdrill.dev/marker': 'true' };
    const marker: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kdrill-marker-after-1', namespace: 'kdrill-system', labels }, data: { writtenAt: '2026-12-03T08:00:00.000Z' } };
    expect(isKdrillMarker(marker)).toBe(true);
    expect(isKdrillMarker({ ...marker, data: { writtenAt: 'x', token: 'loot' } })).toBe(false);
    expect(isKdrillMarker({ ...marker, metadata: { ...marker.metadata, namespace: 'shop' } })).toBe(false);
    expect(isKdrillMarker({ ...marker, kind: 'Secret' })).toBe(false);
    const binding: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'x', namespace: 'kdrill-system', labels } };
    expect(isSkippedObject(binding, 'x', policy)).toBe(false);
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kdrill-system', labels: { 'kdrill.dev/internal': 'true', 'kdrill.dev/run-id': 'r', 'kubernetes.io/metadata.name': 'kdrill-system' } } };
    expect(isKdrillMarker(ns)).toBe(true);
    expect(isKdrillMarker({ ...ns, metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, 'pod-security.kubernetes.io/enforce': 'privileged' } } })).toBe(false);
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
    get: async (path: string) => (path === '/apis' ? { groups: [] } : path === '/version' ? { gitVersion: 'v1.37.2' } : undefined),
    getOptional: async () => ({
      groupVersion: 'v1',
      resources: [
        { name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['get', 'list'] },
        { name: 'secrets', kind: 'Secret', namespaced: true, verbs: ['get', 'list'] },
        { name: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['get', 'list'] },
        { name: 'namespaces/status', kind: 'Namespace', namespaced: false, verbs: ['get'] },
      ],
    }),
    listEach: async (path: string, _options: unknown, visit: (items: KubeObject[]) => void) => visit(lists[path] ?? []),
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
