import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectMeta } from '../../kube/types.js';
import type { BackupIndex, IndexedResource } from './layout.js';
import { objectKey } from './plan.js';
import { policyFor } from '../../bootstrap/policy.js';
import { resetToPolicy } from '../../bootstrap/defaults.js';
import { pruneScope, shouldPrune } from './prune.js';

const entry = (group: string, resource: string, kind: string, namespaced = true): IndexedResource => ({
  group, version: 'v1', resource, kind, namespaced, custom: false, statusSubresource: false, artifact: 'x', sealed: false, count: 1,
});
const obj = (metadata: Partial<ObjectMeta>): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name: 'n', ...metadata } });
const index = (selection: Partial<BackupIndex['selection']> = {}): BackupIndex => ({
  formatVersion: 1, serverVersion: 'v1.37.2', preferredVersions: {}, resources: [], skipped: [],
  namespaces: ['app', 'team'], selection: { includeClusterScoped: true, keepSkipped: [], ...selection },
});
const policy = policyFor('v1.37.2');
const none = { selectorServices: new Set<string>(), policy };
const crbs = entry('rbac.authorization.k8s.io', 'clusterrolebindings', 'ClusterRoleBinding', false);
const bindings = entry('rbac.authorization.k8s.io', 'rolebindings', 'RoleBinding');
const clusterRoles = entry('rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false);
const namespaces = entry('', 'namespaces', 'Namespace', false);
const planned = new Set([objectKey('rbac.authorization.k8s.io', 'rolebindings', 'app', 'kept')]);

describe('shouldPrune', () => {
  const scope = pruneScope(index(), {}, none);

  it('prunes an added RoleBinding in a backed-up namespace, never one the backup has', () => {
    expect(shouldPrune(obj({ name: 'attacker', namespace: 'app' }), bindings, planned, scope)).toBe(true);
    expect(shouldPrune(obj({ name: 'kept', namespace: 'app' }), bindings, planned, scope)).toBe(false);
  });

  it('stays out of namespaces the backup did not cover', () => {
    expect(shouldPrune(obj({ name: 'x', namespace: 'elsewhere' }), bindings, planned, scope)).toBe(false);
  });

  it('never prunes the apiserver\'s own objects or objects a controller owns', () => {
    const [content] = policy.variants('ClusterRole', undefined, 'system:controller:namespace-controller');
    const bootstrap: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:controller:namespace-controller', labels: content!.labels! }, rules: content!.rules! };
    expect(shouldPrune(bootstrap, clusterRoles, planned, scope)).toBe(false);
    expect(shouldPrune(obj({ name: 'added' }), clusterRoles, planned, scope)).toBe(true);
    const ownerRef = { ownerReferences: [{ apiVersion: 'v1', kind: 'Y', name: 'y', uid: 'u', controller: true }] };
    expect(shouldPrune(obj({ name: 'x', namespace: 'app', ...ownerRef }), entry('', 'configmaps', 'ConfigMap'), planned, scope)).toBe(false);
    // An ownerReference is no shield for a grant: anyone who can write the binding can write that too.
    expect(shouldPrune(obj({ name: 'x', namespace: 'app', ...ownerRef }), bindings, planned, scope)).toBe(true);
  });

  it('prunes a planted binding dressed as bootstrap (system: name, rbac-defaults label, autoupdate annotation)', () => {
    const planted: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
      metadata: { name: 'system:kube-dns-metrics', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }, { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:nodes' }],
    };
    expect(shouldPrune(planted, crbs, planned, scope)).toBe(true);
    // Nothing in the policy to put back: the prune deletes it.
    expect(resetToPolicy(planted, policy)).toBeUndefined();
  });

  it('puts a widened bootstrap binding back to the policy instead of deleting it', () => {
    const [content] = policy.variants('ClusterRoleBinding', undefined, 'system:kube-scheduler');
    const widened: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
      metadata: { name: 'system:kube-scheduler', labels: { ...content!.labels!, extra: 'x' }, resourceVersion: '42', managedFields: [{}] },
      roleRef: content!.roleRef, subjects: [...content!.subjects!, { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }],
    };
    expect(shouldPrune(widened, crbs, planned, scope)).toBe(true);
    const reset = resetToPolicy(widened, policy)!;
    expect(reset.subjects).toEqual(content!.subjects);
    expect(reset.metadata).toEqual({ name: 'system:kube-scheduler', labels: content!.labels, resourceVersion: '42' });
  });

  it('prunes namespaces only for whole-cluster backups, and never system namespaces', () => {
    expect(shouldPrune(obj({ name: 'intruder' }), namespaces, planned, scope)).toBe(true);
    expect(shouldPrune(obj({ name: 'kube-system' }), namespaces, planned, scope)).toBe(false);
    expect(shouldPrune(obj({ name: 'intruder' }), namespaces, planned, pruneScope(index({ labelSelector: 'a=b' }), {}, none))).toBe(false);
  });

  it('leaves cluster-scoped objects alone after a namespace-restricted backup', () => {
    const restricted = pruneScope(index({ namespaces: ['app'] }), {}, none);
    expect(shouldPrune(obj({ name: 'added' }), clusterRoles, planned, restricted)).toBe(false);
    expect(shouldPrune(obj({ name: 'attacker', namespace: 'app' }), bindings, planned, restricted)).toBe(true);
  });

  it('follows the namespace map', () => {
    const mapped = pruneScope(index(), { app: 'app-copy' }, none);
    expect(shouldPrune(obj({ name: 'attacker', namespace: 'app-copy' }), bindings, planned, mapped)).toBe(true);
    expect(shouldPrune(obj({ name: 'attacker', namespace: 'app' }), bindings, planned, mapped)).toBe(false);
  });
});
