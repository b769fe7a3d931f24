import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiserverDefault } from '../../src/bootstrap/defaults.js';
import { loadBootstrapPolicy, type BootstrapPolicy } from '../../src/bootstrap/policy.js';
import type { KubeObject } from '../../src/kube/types.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

const LISTS: [string, string, string][] = [
  ['/apis/rbac.authorization.k8s.io/v1/clusterroles', 'rbac.authorization.k8s.io/v1', 'ClusterRole'],
  ['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ['/apis/rbac.authorization.k8s.io/v1/roles', 'rbac.authorization.k8s.io/v1', 'Role'],
  ['/apis/rbac.authorization.k8s.io/v1/rolebindings', 'rbac.authorization.k8s.io/v1', 'RoleBinding'],
  ['/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas', 'flowcontrol.apiserver.k8s.io/v1', 'FlowSchema'],
  ['/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations', 'flowcontrol.apiserver.k8s.io/v1', 'PriorityLevelConfiguration'],
  ['/apis/apiregistration.k8s.io/v1/apiservices', 'apiregistration.k8s.io/v1', 'APIService'],
];

// The shipped policy against the pinned control plane: a fresh cluster holds exactly the policy, and nothing else.
describe('bootstrap policy data against a live kube-apiserver', () => {
  let test: TestCluster;
  let policy: BootstrapPolicy;
  let live: KubeObject[];

  beforeAll(async () => {
    test = await startTestCluster({ name: 'live-policy' });
    policy = await loadBootstrapPolicy(test.client);
    const lists = await Promise.all(LISTS.map(async ([path, apiVersion, kind]) => (await test.client.listAll(path)).items.map((o) => ({ ...o, apiVersion, kind }))));
    live = lists.flat();
  });

  afterAll(async () => {
    await test?.destroy();
  });

  it('uses the pinned version\'s own policy, no fallback', () => {
    expect(policy).toMatchObject({ serverVersion: 'v1.37.2', minor: '1.37' });
    expect(policy.fallback).toBeUndefined();
  });

  it('finds every object of a fresh cluster to be the apiserver\'s own, by content', () => {
    const ordinary = live.filter((o) => !apiserverDefault(o, policy)).map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(ordinary).toEqual([]);
    const counts = (kind: string) => live.filter((o) => o.kind === kind).length;
    // Not a handful by accident: the whole bootstrap policy of 1.37 (controller roles included).
    expect([counts('ClusterRole'), counts('ClusterRoleBinding'), counts('Role'), counts('RoleBinding')]).toEqual([73, 54, 7, 7]);
    expect(counts('FlowSchema') + counts('PriorityLevelConfiguration')).toBe(19);
  });

  it('finds every object of the policy in the cluster', () => {
    const present = new Set(live.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`));
    const missing = policy.objects().map((o) => `${o.kind}/${o.namespace ?? ''}/${o.name}`).filter((id) => !present.has(id));
    expect(missing).toEqual([]);
    expect(policy.objects()).toHaveLength(73 + 54 + 7 + 7 + 19);
  });

  it('does not take objects made to look bootstrap for bootstrap', async () => {
    const planted = await test.client.create<KubeObject>('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
      metadata: { name: 'system:kube-dns-metrics', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }, { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:nodes' }],
    });
    expect(apiserverDefault({ ...planted, apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' }, policy)).toBeUndefined();
  });
});
