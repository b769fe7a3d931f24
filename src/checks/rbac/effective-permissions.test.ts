import { describe, expect, it } from 'vitest';
import { policyFor } from '../../bootstrap/policy.js';
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

const policy = policyFor('v1.37.2');

/** An RBAC object exactly as the 1.37 bootstrap policy makes it. */
function policyObject(kind: string, name: string): KubeObject {
  const { labels, ...rest } = structuredClone(policy.variants(kind, undefined, name)[0]!);
  return { apiVersion: `${RBAC}/v1`, kind, metadata: { name, labels: labels ?? {} }, ...rest };
}

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
          rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], // live rules the controller wrote
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

  it('holds the apiserver\'s own grants without counting them as anyone\'s, unless includeSystem', () => {
    const objects = rbac({ clusterRoles: [policyObject('ClusterRole', 'cluster-admin')], clusterRoleBindings: [policyObject('ClusterRoleBinding', 'cluster-admin')] });
    const perms = (includeSystem: boolean) => computeEffectivePermissions(objects, { catalog: CATALOG, policy, includeSystem });
    expect(Object.keys(perms(false).subjects)).toEqual([]);
    expect(Object.keys(perms(false).held)).toEqual(['Group:system:masters']);
    expect(Object.keys(perms(true).subjects)).toEqual(['Group:system:masters']);
  });

  it('models a live aggregated rule its selectors do not select, and notes it (the authorizer uses live rules)', () => {
    const objects = rbac({
      clusterRoles: [
        obj('ClusterRole', 'agg', { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'x/agg': 'true' } }] }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] }),
        clusterRole('part', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], { 'x/agg': 'true' }),
      ],
      clusterRoleBindings: [binding('ClusterRoleBinding', 'web-agg', ['ClusterRole', 'agg'], [saSubject])],
    });
    const perms = computeEffectivePermissions(objects, { catalog: CATALOG });
    expect(Object.keys(perms.subjects[SA]?.resources ?? {}).sort()).toEqual([`${CLUSTER_SCOPE}||pods|||get`, `${CLUSTER_SCOPE}||secrets|||list`]);
    expect(perms.notes).toEqual([
      'ClusterRole agg: 1 live rule(s) its aggregationRule does not select, counted as granted (the authorizer uses them until the aggregation controller rewrites them): {"apiGroups":[""],"resources":["secrets"],"verbs":["list"]}',
      'ClusterRole agg: 1 selected rule(s) not yet in its live rules, counted as granted (the aggregation controller adds them): {"apiGroups":[""],"resources":["pods"],"verbs":["get"]}',
    ]);
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

describe('bootstrap grants are decided by content against the apiserver\'s policy', () => {
  const base = () => rbac({
    clusterRoles: [policyObject('ClusterRole', 'cluster-admin'), policyObject('ClusterRole', 'system:kube-scheduler')],
    clusterRoleBindings: [policyObject('ClusterRoleBinding', 'cluster-admin'), policyObject('ClusterRoleBinding', 'system:kube-scheduler')],
  });
  const opts = { catalog: CATALOG, policy };
  const diffOf = (after: RbacObjects) => diffPermissions(computeEffectivePermissions(base(), opts), computeEffectivePermissions(after, opts));

  it('sees a planted system: binding with the bootstrap label and annotation as a gain of every subject it binds', () => {
    const after = base();
    after.clusterRoleBindings.push(binding('ClusterRoleBinding', 'system:kube-dns-metrics', ['ClusterRole', 'cluster-admin'],
      [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }, { kind: 'Group', name: 'system:nodes' }], undefined, { 'kubernetes.io/bootstrapping': 'rbac-defaults' }));
    const diff = diffOf(after);
    expect(diff.gained.map((d) => `${d.subject.kind}:${d.subject.name}`)).toEqual(['Group:system:nodes', 'ServiceAccount:system:serviceaccount:kube-system:default']);
    expect(diff.gained[0]?.resources[`${CLUSTER_SCOPE}|*|*|||*`]).toEqual(['ClusterRoleBinding system:kube-dns-metrics → ClusterRole cluster-admin']);
  });

  it('counts a subject added to a bootstrap binding, and never the policy\'s own subject', () => {
    const after = base();
    const admin = after.clusterRoleBindings[0]!;
    admin.subjects = [...(admin.subjects as object[]), { kind: 'Group', name: 'system:authenticated', apiGroup: RBAC }];
    const diff = diffOf(after);
    expect(diff.gained.map((d) => d.subject.name)).toEqual(['system:authenticated']);
  });

  it('counts only the extra rule of a widened bootstrap role: the policy\'s rules were already held', () => {
    const after = base();
    const scheduler = after.clusterRoles[1]!;
    scheduler.rules = [...(scheduler.rules as PolicyRule[]), { apiGroups: [''], resources: ['secrets'], verbs: ['list'] }];
    const diff = diffOf(after);
    expect(diff.gained.map((d) => [d.subject.name, Object.keys(d.resources)])).toEqual([['system:kube-scheduler', [`${CLUSTER_SCOPE}||secrets|||list`]]]);
    expect(dangerousGrants(computeEffectivePermissions(after, opts)).map((g) => g.reason)).toEqual(['secrets-read-cluster-wide']);
  });

  it('does not call a grant lost when the apiserver\'s policy still makes it', () => {
    const before = base();
    before.clusterRoleBindings.push(binding('ClusterRoleBinding', 'mine', ['ClusterRole', 'system:kube-scheduler'], [{ kind: 'User', name: 'system:kube-scheduler', apiGroup: RBAC }]));
    const diff = diffPermissions(computeEffectivePermissions(before, opts), computeEffectivePermissions(base(), opts));
    expect(diff.lost).toEqual([]);
  });
});
