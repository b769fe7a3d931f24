import { describe, expect, it } from 'vitest';
import { rbacPath, rbacSubject, subjectUser, tamperProblems } from './tamper-rbac-options.js';

describe('tamper-rbac options', () => {
  it('accepts each mode with what it needs', () => {
    expect(tamperProblems({ mode: 'escalate-binding', subject: { kind: 'ServiceAccount', name: 'ci', namespace: 'shop' } })).toEqual([]);
    expect(tamperProblems({ mode: 'widen-role', role: { kind: 'ClusterRole', name: 'view-x' } })).toEqual([]);
    expect(tamperProblems({ mode: 'add-subject', subject: { kind: 'User', name: 'mallory' }, binding: { kind: 'RoleBinding', name: 'rb', namespace: 'shop' } })).toEqual([]);
  });

  it('names missing, foreign and misplaced fields', () => {
    expect(tamperProblems({ mode: 'escalate-binding', role: { kind: 'Role', name: 'r', namespace: 'a' } })).toEqual([
      'mode escalate-binding needs subject',
      'mode escalate-binding does not use role',
    ]);
    expect(tamperProblems({ mode: 'widen-role', role: { kind: 'Role', name: 'r' } })).toEqual(['role Role r needs a namespace']);
    expect(tamperProblems({ mode: 'add-subject', subject: { kind: 'User', name: 'u', namespace: 'x' }, binding: { kind: 'ClusterRoleBinding', name: 'b' } })).toEqual([
      'subject User u is cluster-scoped: remove its namespace',
    ]);
    expect(tamperProblems({ mode: 'widen-role', role: { kind: 'ClusterRole', name: 'r' }, bindingName: 'x' })).toEqual(['mode widen-role does not use bindingName']);
    expect(tamperProblems({ mode: 'add-subject', subject: { kind: 'User', name: 'u' }, binding: { kind: 'ClusterRoleBinding', name: 'b' }, disguise: true })).toEqual(['mode add-subject does not use disguise']);
    expect(tamperProblems({ mode: 'escalate-binding', subject: { kind: 'User', name: 'u' }, extraSubjects: [{ kind: 'ServiceAccount', name: 'default' }] })).toEqual(['subject ServiceAccount default needs a namespace']);
  });

  it('builds RBAC subjects, user names and paths', () => {
    expect(rbacSubject({ kind: 'ServiceAccount', name: 'ci', namespace: 'shop' })).toEqual({ kind: 'ServiceAccount', name: 'ci', namespace: 'shop' });
    expect(rbacSubject({ kind: 'Group', name: 'devs' })).toEqual({ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' });
    expect(subjectUser({ kind: 'ServiceAccount', name: 'ci', namespace: 'shop' })).toBe('system:serviceaccount:shop:ci');
    expect(rbacPath({ kind: 'RoleBinding', name: 'rb', namespace: 'shop' })).toBe('/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/rb');
    expect(rbacPath({ kind: 'ClusterRole', name: 'a:b' })).toBe('/apis/rbac.authorization.k8s.io/v1/clusterroles/a%3Ab');
  });
});
