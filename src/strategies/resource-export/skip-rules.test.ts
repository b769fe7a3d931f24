import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectMeta } from '../../kube/types.js';
import { policyFor } from '../../bootstrap/policy.js';
import { objectSkipRule, typeSkipRule, type SkipContext } from './skip-rules.js';

const policy = policyFor('v1.37.2');
const ctx: SkipContext = { selectorServices: new Set(['app/web']), policy };
const obj = (metadata: Partial<ObjectMeta>, rest: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'X', metadata: { name: 'n', namespace: 'app', ...metadata }, ...rest,
});
/** An object exactly as the 1.37 policy makes it. */
function policyObject(kind: string, name: string): KubeObject {
  const { labels, spec, ...rest } = structuredClone(policy.variants(kind, undefined, name)[0]!);
  const apiVersion = spec ? 'flowcontrol.apiserver.k8s.io/v1' : 'rbac.authorization.k8s.io/v1';
  return { apiVersion, kind, metadata: { name, labels: labels ?? {} }, ...(spec ? { spec } : {}), ...rest };
}
const planted: KubeObject = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRoleBinding',
  metadata: { name: 'system:kube-dns-metrics', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }, { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:nodes' }],
};
const owner = (apiVersion: string, kind: string) => ({ ownerReferences: [{ apiVersion, kind, name: 'o', uid: 'u', controller: true }] });
const rule = (type: string, o: KubeObject, disabled: string[] = []) => {
  const [group, resource] = type.split('/') as [string, string];
  return objectSkipRule(group, resource, o, ctx, disabled);
};

describe('objectSkipRule', () => {
  it.each([
    ['deleting', '/configmaps', obj({ deletionTimestamp: '2026-01-01T00:00:00Z' })],
    ['kubernetes-service', '/services', obj({ name: 'kubernetes', namespace: 'default' })],
    ['managed-endpoints', '/endpoints', obj({ name: 'web' })],
    ['managed-endpoints', 'discovery.k8s.io/endpointslices', obj({ labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } })],
    ['root-ca-configmap', '/configmaps', obj({ name: 'kube-root-ca.crt' })],
    ['apiserver-configmaps', '/configmaps', obj({ name: 'extension-apiserver-authentication', namespace: 'kube-system' })],
    ['bootstrap-tokens', '/secrets', obj({}, { type: 'bootstrap.kubernetes.io/token' })],
    ['bootstrap-rbac', 'rbac.authorization.k8s.io/clusterroles', policyObject('ClusterRole', 'system:basic-user')],
    ['bootstrap-rbac', 'rbac.authorization.k8s.io/clusterroles', policyObject('ClusterRole', 'view')],
    ['bootstrap-rbac', 'rbac.authorization.k8s.io/clusterrolebindings', policyObject('ClusterRoleBinding', 'system:node-proxier')],
    ['apf-bootstrap', 'flowcontrol.apiserver.k8s.io/flowschemas', policyObject('FlowSchema', 'exempt')],
    ['automanaged-apiservices', 'apiregistration.k8s.io/apiservices', obj({}, { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', spec: { group: 'apps', version: 'v1' } })],
    ['ip-allocations', 'networking.k8s.io/ipaddresses', obj({ labels: { 'ipaddress.kubernetes.io/managed-by': 'ipallocator.k8s.io' } })],
    ['ip-allocations', 'networking.k8s.io/servicecidrs', obj({ name: 'kubernetes' })],
    ['node-owned', 'storage.k8s.io/csinodes', obj(owner('v1', 'Node'))],
    ['mirror-pods', '/pods', obj({ annotations: { 'kubernetes.io/config.mirror': 'abc' } })],
    ['controlled-pods', '/pods', obj(owner('apps/v1', 'ReplicaSet'))],
    ['finished-pods', '/pods', obj({}, { status: { phase: 'Succeeded' } })],
    ['deployment-replicasets', 'apps/replicasets', obj(owner('apps/v1', 'Deployment'))],
    ['cronjob-jobs', 'batch/jobs', obj(owner('batch/v1', 'CronJob'))],
    ['finished-jobs', 'batch/jobs', obj({}, { status: { conditions: [{ type: 'Complete', status: 'True' }] } })],
  ])('%s skips %s', (expected, type, o) => {
    expect(rule(type, o)).toBe(expected);
    expect(rule(type, o, [expected])).toBeUndefined();
  });

  it.each([
    ['/services', obj({ name: 'kubernetes', namespace: 'app' })],
    ['/endpoints', obj({ name: 'manual' })],
    ['discovery.k8s.io/endpointslices', obj({ labels: { 'endpointslice.kubernetes.io/managed-by': 'my-operator' } })],
    ['/configmaps', obj({ name: 'extension-apiserver-authentication', namespace: 'app' })],
    ['rbac.authorization.k8s.io/clusterroles', obj({ name: 'system:mine' })],
    ['rbac.authorization.k8s.io/clusterroles', obj({ name: 'mine', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } })],
    // The review's planted grant: a bootstrap-looking name, label and annotation do not make it bootstrap.
    ['rbac.authorization.k8s.io/clusterrolebindings', planted],
    ['rbac.authorization.k8s.io/clusterroles', { ...policyObject('ClusterRole', 'system:kube-scheduler'), rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }],
    ['flowcontrol.apiserver.k8s.io/flowschemas', obj({ annotations: { 'apf.kubernetes.io/autoupdate-spec': 'true' } })],
    ['flowcontrol.apiserver.k8s.io/flowschemas', obj({ annotations: { 'apf.kubernetes.io/autoupdate-spec': 'false' } })],
    ['apiregistration.k8s.io/apiservices', obj({ labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } }, { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', spec: { service: { namespace: 'x', name: 'y' } } })],
    ['networking.k8s.io/servicecidrs', obj({ name: 'extra' })],
    ['/pods', obj({}, { status: { phase: 'Running' } })],
    ['apps/replicasets', obj({})],
    ['batch/jobs', obj(owner('example.com/v1', 'Workflow'))],
    ['batch.example.com/jobs', obj(owner('batch/v1', 'CronJob'))],
  ])('keeps %s %#', (type, o) => {
    expect(rule(type, o)).toBeUndefined();
  });

  it('skips token Secrets the token controller generated, keeps the ones a user asked it to fill', () => {
    const fields = (manager: string) => [{ manager, fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:kubernetes.io/service-account.name': {} } } } }];
    const token = (managedFields?: unknown[], name = 'builder-token-x7k2p') =>
      obj({ name, annotations: { 'kubernetes.io/service-account.name': 'builder' }, ...(managedFields ? { managedFields } : {}) }, { type: 'kubernetes.io/service-account-token' });
    expect(rule('/secrets', token(fields('kube-controller-manager')))).toBe('sa-tokens');
    expect(rule('/secrets', token(fields('kubectl-create')))).toBeUndefined();
    // Without managedFields the generated name pattern decides.
    expect(rule('/secrets', token())).toBe('sa-tokens');
    expect(rule('/secrets', token(undefined, 'builder-long-lived'))).toBeUndefined();
  });
});

describe('typeSkipRule', () => {
  it('skips nodes, both event groups and leases as whole types', () => {
    expect([typeSkipRule('', 'nodes'), typeSkipRule('', 'events'), typeSkipRule('events.k8s.io', 'events'), typeSkipRule('coordination.k8s.io', 'leases')])
      .toEqual(['nodes', 'events', 'events', 'leases']);
    expect(typeSkipRule('example.com', 'leases')).toBeUndefined();
  });
});
