import { describe, expect, it } from 'vitest';
import type { ApiResource, KubeObject } from '../../kube/types.js';
import { computeEffectivePermissions, dangerousGrants, diffPermissions, type RbacObjects } from './effective-permissions.js';
import type { PolicyRule } from './rules.js';
import { CLUSTER_SCOPE } from './tuples.js';

const RBAC = 'rbac.authorization.k8s.io';
const CATALOG: ApiResource[] = [
  res('', 'pods', true, ['get', 'list', 'create', 'delete'], ['exec', 'log']),
  res('', 'secrets', true, ['get', 'list', 'watch']),
  res('', 'serviceaccounts', true, ['get', 'create'], ['token']),
  res('', 'nodes', false, ['get', 'list'], ['proxy']),
  res('apps', 'deployments', true, ['get', 'list', 'update'], ['scale']),
  res(RBAC, 'clusterroles', false, ['get', 'bind', 'escalate']),
];
const SA = 'ServiceAccount:system:serviceaccount:shop:web';

function res(group: string, name: string, namespaced: boolean, verbs: string[], subresources: string[] = []): ApiResource {
  return { group, version: 'v1', name, kind: name, namespaced, verbs, subresources };
}
function obj(kind: string, name: string, fields: Record<string, unknown>, namespace?: string, labels?: Record<string, string>): KubeObject {
  return { apiVersion: `${RBAC}/v1`, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) }, ...fields };
}
const role = (ns: string, name: string, rules: PolicyRule[]) => obj('Role', name, { rules }, ns);
const clusterRole = (name: string, rules: PolicyRule[], labels?: Record<string, string>) => obj('ClusterRole', name, { rules }, undefined, labels);
const saSubject = { kind: 'ServiceAccount', name: 'web', namespace: 'shop' };
function binding(kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, roleRef: [string, string], subjects: object[], ns?: string, labels?: Record<string, string>) {
  return obj(kind, name, { roleRef: { apiGroup: RBAC, kind: roleRef[0], name: roleRef[1] }, subjects }, ns, labels);
}
function rbac(parts: Partial<RbacObjects>): RbacObjects {
  return { roles: [], clusterRoles: [], roleBindings: [], clusterRoleBindings: [], ...parts };
}
function keysOf(objects: RbacObjects, subject = SA, includeSystem = false): string[] {
  const perms = computeEffectivePermissions(objects, { catalog: CATALOG, includeSystem });
  return Object.keys(perms.subjects[subject]?.resources ?? {}).sort();
}

describe('computeEffectivePermissions', () => {
  it('gives an aggregated ClusterRole the rules of every ClusterRole its selectors match', () => {
    const objects = rbac({
      clusterRoles: [
        obj('ClusterRole', 'agg', {
          aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'x/agg': 'true' } }, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['b'] }] }] },
          rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }], // stale stored rules are ignored
        }),
        clusterRole('part-a', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], { 'x/agg': 'true' }),
        clusterRole('part-b', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] }], { tier: 'b' }),
        clusterRole('other', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], { 'x/agg': 'false' }),
      ],
      clusterRoleBindings: [binding('ClusterRoleBinding', 'web-agg', ['ClusterRole', 'agg'], [saSubject])],
    });
    expect(keysOf(objects)).toEqual([`${CLUSTER_SCOPE}|apps|deployments|||list`, `${CLUSTER_SCOPE}||pods|||get`]);
    const perms = computeEffectivePermissions(objects, { catalog: CATALOG });
    expect(perms.subjects[SA]?.resources[`${CLUSTER_SCOPE}||pods|||get`]).toEqual(['ClusterRoleBinding web-agg → ClusterRole agg']);
  });

  it('expands wildcards against the catalog and keeps "*" as a marker', () => {
    const objects = rbac({
      roles: [role('shop', 'all-core', [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }]), role('shop', 'pods-any', [{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }])],
      roleBindings: [binding('RoleBinding', 'a', ['Role', 'all-core'], [saSubject], 'shop'), binding('RoleBinding', 'b', ['Role', 'pods-any'], [saSubject], 'shop')],
    });
    const keys = keysOf(objects);
    // Role 'all-core': every namespaced core resource and subresource (nodes is cluster-scoped), plus the marker.
    for (const r of ['pods', 'pods|exec', 'pods|log', 'secrets', 'serviceaccounts', 'serviceaccounts|token', '*']) {
      const [resource, sub = ''] = r.split('|');
      expect(keys).toContain(`shop||${resource}|${sub}||get`);
    }
    expect(keys.filter((k) => k.includes('nodes'))).toEqual([]);
    // Role 'pods-any': the discovered verbs of pods, plus '*' for verbs discovery cannot list.
    for (const verb of ['get', 'list', 'create', 'delete', '*']) expect(keys).toContain(`shop||pods|||${verb}`);
    expect(keys).toHaveLength(7 + 4);
  });

  it('expands apiGroups "*" only to groups that serve the named resource', () => {
    const objects = rbac({
      clusterRoles: [clusterRole('any-deploy', [{ apiGroups: ['*'], resources: ['deployments', '*/scale'], verbs: ['list'] }])],
      clusterRoleBindings: [binding('ClusterRoleBinding', 'x', ['ClusterRole', 'any-deploy'], [saSubject])],
    });
    expect(keysOf(objects)).toEqual(
      [`${CLUSTER_SCOPE}|*|*|scale||list`, `${CLUSTER_SCOPE}|*|deployments|||list`, `${CLUSTER_SCOPE}|apps|deployments|||list`, `${CLUSTER_SCOPE}|apps|deployments|scale||list`].sort(),
    );
  });

  it('grants a ClusterRole bound by a RoleBinding only in that namespace, without cluster-scoped resources or URLs', () => {
    const objects = rbac({
      clusterRoles: [
        clusterRole('reader', [
          { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get'] },
          { nonResourceURLs: ['/metrics'], verbs: ['get'] },
        ]),
      ],
      roleBindings: [binding('RoleBinding', 'read', ['ClusterRole', 'reader'], [saSubject, { kind: 'Group', name: 'devs' }], 'shop')],
    });
    const perms = computeEffectivePermissions(objects, { catalog: CATALOG });
    expect(Object.keys(perms.subjects[SA]?.resources ?? {})).toEqual(['shop||pods|||get']);
    expect(perms.subjects[SA]?.nonResourceURLs).toEqual({});
    expect(Object.keys(perms.subjects['Group:devs']?.resources ?? {})).toEqual(['shop||pods|||get']);
  });

  it('notes a binding whose roleRef does not exist and grants nothing for it', () => {
    const objects = rbac({ roleBindings: [binding('RoleBinding', 'dangling', ['Role', 'gone'], [saSubject], 'shop')] });
    const perms = computeEffectivePermissions(objects, { catalog: CATALOG });
    expect(perms.subjects).toEqual({});
    expect(perms.notes).toEqual(['RoleBinding shop/dangling grants nothing: its roleRef Role shop/gone does not exist']);
  });

  it('skips bootstrap bindings of system subjects unless includeSystem, but never a system role given to a user', () => {
    const bootstrap = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
    const objects = rbac({
      clusterRoles: [clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], bootstrap)],
      clusterRoleBindings: [
        binding('ClusterRoleBinding', 'cluster-admin', ['ClusterRole', 'cluster-admin'], [{ kind: 'Group', name: 'system:masters' }, saSubject], undefined, bootstrap),
        binding('ClusterRoleBinding', 'anon-admin', ['ClusterRole', 'cluster-admin'], [{ kind: 'Group', name: 'system:anonymous' }]),
      ],
    });
    const subjects = (includeSystem: boolean) => Object.keys(computeEffectivePermissions(objects, { catalog: CATALOG, includeSystem }).subjects).sort();
    expect(subjects(false)).toEqual(['Group:system:anonymous', SA]);
    expect(subjects(true)).toEqual(['Group:system:anonymous', 'Group:system:masters', SA]);
  });
});

describe('diffPermissions', () => {
  const base = rbac({
    roles: [role('shop', 'reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }])],
    roleBindings: [binding('RoleBinding', 'web-reader', ['Role', 'reader'], [saSubject], 'shop')],
  });

  it('reports a gained binding with the binding and role that grant it', () => {
    const restored = rbac({
      ...base,
      clusterRoles: [clusterRole('secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }])],
      clusterRoleBindings: [binding('ClusterRoleBinding', 'evil', ['ClusterRole', 'secret-reader'], [saSubject])],
    });
    const diff = diffPermissions(computeEffectivePermissions(base, { catalog: CATALOG }), computeEffectivePermissions(restored, { catalog: CATALOG }));
    expect(diff.lost).toEqual([]);
    expect(diff.gained).toHaveLength(1);
    expect(diff.gained[0]?.resources).toEqual({ [`${CLUSTER_SCOPE}||secrets|||get`]: ['ClusterRoleBinding evil → ClusterRole secret-reader'] });
  });

  it('reports a lost binding, and a widened role as a gain', () => {
    const restored = rbac({ roles: [role('shop', 'reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] }])] });
    const diff = diffPermissions(computeEffectivePermissions(base, { catalog: CATALOG }), computeEffectivePermissions(restored, { catalog: CATALOG }));
    expect(diff.gained).toEqual([]);
    expect(Object.keys(diff.lost[0]?.resources ?? {}).sort()).toEqual(['shop||pods|||get', 'shop||pods|||list']);
    const widened = rbac({ ...base, roles: restored.roles });
    const gain = diffPermissions(computeEffectivePermissions(base, { catalog: CATALOG }), computeEffectivePermissions(widened, { catalog: CATALOG }));
    expect(gain.lost).toEqual([]);
    expect(Object.keys(gain.gained[0]?.resources ?? {})).toEqual(['shop||pods|||delete']);
  });

  it('sees no change when a cluster-wide grant replaces a namespaced one it covers (only the wider grant is new)', () => {
    const restored = rbac({
      clusterRoles: [clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }])],
      clusterRoleBindings: [binding('ClusterRoleBinding', 'wide', ['ClusterRole', 'pod-reader'], [saSubject])],
    });
    const diff = diffPermissions(computeEffectivePermissions(base, { catalog: CATALOG }), computeEffectivePermissions(restored, { catalog: CATALOG }));
    expect(diff.lost).toEqual([]);
    expect(Object.keys(diff.gained[0]?.resources ?? {}).sort()).toEqual([`${CLUSTER_SCOPE}||pods|||get`, `${CLUSTER_SCOPE}||pods|||list`]);
  });
});

describe('dangerousGrants', () => {
  it('flags escalation paths and not ordinary namespaced reads', () => {
    const objects = rbac({
      roles: [role('shop', 'ns-secrets', [{ apiGroups: [''], resources: ['secrets', 'pods/exec'], verbs: ['get', 'create'] }])],
      clusterRoles: [
        clusterRole('escalator', [
          { apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['escalate', 'bind'] },
          { apiGroups: [''], resources: ['users'], verbs: ['impersonate'] },
          { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
          { apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] },
          { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
          { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
        ]),
        clusterRole('star', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] }]),
      ],
      roleBindings: [binding('RoleBinding', 'ns', ['Role', 'ns-secrets'], [{ kind: 'User', name: 'alice' }], 'shop')],
      clusterRoleBindings: [
        binding('ClusterRoleBinding', 'esc', ['ClusterRole', 'escalator'], [saSubject]),
        binding('ClusterRoleBinding', 'star', ['ClusterRole', 'star'], [{ kind: 'Group', name: 'devs' }]),
      ],
    });
    const found = dangerousGrants(computeEffectivePermissions(objects, { catalog: CATALOG }));
    expect(found.filter((g) => g.subject === SA).map((g) => g.reason).sort()).toEqual(
      ['bind', 'escalate', 'impersonate', 'nodes-proxy', 'pods-exec-cluster-wide', 'secrets-read-cluster-wide', 'serviceaccount-token-create'].sort(),
    );
    expect(found.filter((g) => g.subject === 'Group:devs').map((g) => g.reason)).toEqual(['wildcard']);
    expect(found.filter((g) => g.subject === 'User:alice')).toEqual([]);
    const esc = found.find((g) => g.subject === SA && g.reason === 'escalate');
    expect(esc?.description).toBe(
      'ServiceAccount system:serviceaccount:shop:web: escalate (escalate rbac.authorization.k8s.io/clusterroles cluster-wide) via ClusterRoleBinding esc → ClusterRole escalator',
    );
  });
});

describe('system exclusion never hides a grant to everyone', () => {
  it('counts system:authenticated added to the bootstrap cluster-admin binding as a gain', () => {
    const admin = clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], { 'kubernetes.io/bootstrapping': 'rbac-defaults' });
    const before = rbac({ clusterRoles: [admin], clusterRoleBindings: [binding('ClusterRoleBinding', 'cluster-admin', ['ClusterRole', 'cluster-admin'], [{ kind: 'Group', name: 'system:masters' }], undefined, { 'kubernetes.io/bootstrapping': 'rbac-defaults' })] });
    const after = rbac({
      clusterRoles: [admin],
      clusterRoleBindings: [binding('ClusterRoleBinding', 'cluster-admin', ['ClusterRole', 'cluster-admin'], [{ kind: 'Group', name: 'system:masters' }, { kind: 'Group', name: 'system:authenticated' }], undefined, { 'kubernetes.io/bootstrapping': 'rbac-defaults' })],
    });
    const opts = { catalog: CATALOG, includeSystem: false };
    const diff = diffPermissions(computeEffectivePermissions(before, opts), computeEffectivePermissions(after, opts));
    expect(JSON.stringify(diff)).toContain('system:authenticated');
    expect(keysOf(after, 'Group:system:authenticated').length).toBeGreaterThan(0);
    expect(keysOf(after, 'Group:system:masters')).toEqual([]);
  });
});
