import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectMeta } from '../../kube/types.js';
import type { BackupIndex, IndexedResource } from './layout.js';
import { objectKey } from './plan.js';
import { pruneScope, shouldPrune } from './prune.js';

const entry = (group: string, resource: string, kind: string, namespaced = true): IndexedResource => ({
  group, version: 'v1', resource, kind, namespaced, custom: false, statusSubresource: false, artifact: 'x', sealed: false, count: 1,
});
const obj = (metadata: Partial<ObjectMeta>): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name: 'n', ...metadata } });
const index = (selection: Partial<BackupIndex['selection']> = {}): BackupIndex => ({
  formatVersion: 1, serverVersion: 'v1.37.2', preferredVersions: {}, resources: [], skipped: [],
  namespaces: ['app', 'team'], selection: { includeClusterScoped: true, keepSkipped: [], ...selection },
});
const none = { selectorServices: new Set<string>() };
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

  it('never prunes skipped system objects or objects a controller owns', () => {
    const bootstrap = obj({ name: 'system:controller:x', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } });
    expect(shouldPrune(bootstrap, clusterRoles, planned, scope)).toBe(false);
    expect(shouldPrune(obj({ name: 'added' }), clusterRoles, planned, scope)).toBe(true);
    const owned = obj({ name: 'x', namespace: 'app', ownerReferences: [{ apiVersion: 'v1', kind: 'Y', name: 'y', uid: 'u', controller: true }] });
    expect(shouldPrune(owned, bindings, planned, scope)).toBe(false);
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
