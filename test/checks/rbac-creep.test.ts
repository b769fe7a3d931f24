import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rbacCreep } from '../../src/checks/rbac-creep.js';
import type { CheckOutcome } from '../../src/contracts/types.js';
import type { KubeObject } from '../../src/kube/types.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { waitFor } from '../support/wait.js';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const rbacGroup = 'rbac.authorization.k8s.io';
const options = { namespaces: ['shop'], samples: 20 };

interface Delta {
  subject: string;
  count: number;
  via: string[];
  permissions: { items: string[]; more: number };
}
interface Evidence {
  gained: { items: Delta[] };
  lost: { items: Delta[] };
  dangerous: { new: { items: string[] }; existing: { items: string[] } };
  subjectAccessReview: { checked: number; agreed: number; disagreements: string[]; samples: { sample: string; allowed: boolean }[] };
  objects: { added: { items: string[] }; removed: { items: string[] }; changed: { items: string[] } };
  cause: { items: { object: string; change: string; grants?: string; subjects?: string[]; rules?: string[]; backup: string; cause: string; fix: string[] }[] };
  notes: { items: string[] };
  policy: string[];
}

const readerRole = (verbs: string[]) => ({
  apiVersion: `${rbacGroup}/v1`,
  kind: 'Role',
  metadata: { name: 'reader', namespace: 'shop' },
  rules: [{ apiGroups: [''], resources: ['pods'], verbs }],
});
const readerBinding = {
  apiVersion: `${rbacGroup}/v1`,
  kind: 'RoleBinding',
  metadata: { name: 'web-reader', namespace: 'shop' },
  roleRef: { apiGroup: rbacGroup, kind: 'Role', name: 'reader' },
  subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
};
/** The review's planted grant: every attacker-settable sign of "bootstrap", none of its content. */
const plantedBinding = {
  apiVersion: `${rbacGroup}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: {
    name: 'system:kube-dns-metrics',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  },
  roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [
    { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' },
    { kind: 'Group', apiGroup: rbacGroup, name: 'system:nodes' },
  ],
};
const evilBinding = {
  apiVersion: `${rbacGroup}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name: 'evil-admin' },
  roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ kind: 'ServiceAccount', name: 'evil', namespace: 'shop' }],
};

// A real control plane: seed RBAC, take the baseline, break it the way an attacker or a bad restore would, put it back.
describe('rbac-creep against a real cluster', () => {
  let test: TestCluster;
  let ctx: TestContext;

  const verify = async (baseline: unknown) => {
    const outcome = await rbacCreep.verify(ctx, options, baseline);
    return { outcome, evidence: outcome.evidence as unknown as Evidence };
  };
  const apply = (path: string, body: unknown) => test.client.apply(path, body);

  beforeAll(async () => {
    test = await startTestCluster({ name: 'rbac-creep' });
    ctx = await makeTestContext({ cluster: test.cluster, client: test.client });
    await apply('/api/v1/namespaces/shop', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    for (const sa of ['web', 'evil']) await apply(`/api/v1/namespaces/shop/serviceaccounts/${sa}`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: 'shop' } });
    await apply(`${RBAC}/namespaces/shop/roles/reader`, readerRole(['get', 'list']));
    await apply(`${RBAC}/namespaces/shop/rolebindings/web-reader`, readerBinding);
    // An aggregated ClusterRole bound in the namespace: the check must resolve its selectors as the controller does.
    await apply(`${RBAC}/clusterroles/shop-agg-part`, {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'shop-agg-part', labels: { 'shop.example.com/aggregate': 'true' } },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] }],
    });
    await apply(`${RBAC}/clusterroles/shop-agg`, {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'shop-agg' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'shop.example.com/aggregate': 'true' } }] },
    });
    await apply(`${RBAC}/namespaces/shop/rolebindings/web-agg`, {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'web-agg', namespace: 'shop' },
      roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'shop-agg' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
    });
    await waitFor(async () => ((await test.client.get<KubeObject>(`${RBAC}/clusterroles/shop-agg`)).rules as unknown[] | null)?.length === 1);
  });

  afterAll(async () => {
    await ctx?.cleanup();
    await test?.destroy();
  });

  it('passes on an unchanged cluster, with SubjectAccessReview agreeing on every sample', async () => {
    const baseline = await rbacCreep.baseline!(ctx, options);
    const { outcome, evidence } = await verify(baseline);
    expect(outcome.status, outcome.summary).toBe('passed');
    // Only the SA: every other grant is the apiserver's own bootstrap policy, recognised by content.
    expect(outcome.summary).toMatch(/^effective permissions of 1 subject unchanged \(\d+ permissions\); SubjectAccessReview agreed on (\d+)\/\1 samples$/);
    expect(evidence.policy).toEqual(['bootstrap objects decided by content against the Kubernetes 1.37 policy (k8s.io/kubernetes v1.37.2 + k8s.io/apiserver v0.37.2) for server v1.37.2']);
    // get+list pods (Role) and get+list deployments (aggregated ClusterRole) in shop, each confirmed.
    expect(evidence.subjectAccessReview.samples.map((s) => s.sample)).toEqual(expect.arrayContaining([
      'unchanged: ServiceAccount system:serviceaccount:shop:web may get apps/deployments in shop',
      'unchanged: ServiceAccount system:serviceaccount:shop:web may get core/pods in shop',
      'unchanged: ServiceAccount system:serviceaccount:shop:web may list apps/deployments in shop',
      'unchanged: ServiceAccount system:serviceaccount:shop:web may list core/pods in shop',
    ]));
  });

  it('fails when a ServiceAccount gains cluster-admin, naming the binding, and passes once it is removed', async () => {
    const baseline = await rbacCreep.baseline!(ctx, options);
    await apply(`${RBAC}/clusterrolebindings/evil-admin`, evilBinding);
    try {
      const { outcome, evidence } = await verify(baseline);
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toMatch(/^RBAC changed: 1 subject gained \d+ permissions, \d+ new dangerous grants via ClusterRoleBinding evil-admin; SubjectAccessReview agreed on 20\/20 samples$/);
      const evil = evidence.gained.items[0] as Delta;
      expect(evil.subject).toBe('ServiceAccount system:serviceaccount:shop:evil');
      expect(evil.via).toEqual(['ClusterRoleBinding evil-admin → ClusterRole cluster-admin']);
      expect(evil.count).toBeGreaterThan(100);
      expect(evil.permissions.items).toHaveLength(10);
      expect(evil.permissions.more).toBe(evil.count - 10);
      expect(evidence.dangerous.new.items.join('\n')).toContain('ServiceAccount system:serviceaccount:shop:evil: secrets-read-cluster-wide');
      expect(evidence.dangerous.new.items.join('\n')).toContain('ServiceAccount system:serviceaccount:shop:evil: wildcard');
      expect(evidence.objects.added.items).toEqual(['ClusterRoleBinding evil-admin']);
      // The live apiserver confirms the gained permissions.
      const gainedSamples = evidence.subjectAccessReview.samples.filter((s) => s.sample.startsWith('gained: ServiceAccount system:serviceaccount:shop:evil'));
      expect(gainedSamples.length).toBeGreaterThan(5);
      expect(gainedSamples.every((s) => s.allowed)).toBe(true);
      // No backup in this test: the cause says so rather than guess, and the fix names the binding and the subject.
      expect(evidence.cause.items).toEqual([{
        object: 'ClusterRoleBinding evil-admin', change: 'added', grants: 'ClusterRole cluster-admin', subjects: ['ServiceAccount shop/evil'], backup: 'unknown',
        cause: 'the drill took no backup: whether it holds this object is unknown',
        fix: ['kubectl delete clusterrolebinding evil-admin', 'rotate tokens of shop/evil'],
      }]);
      expect(outcome.recommendation).toContain('Fix: kubectl delete clusterrolebinding evil-admin; rotate tokens of shop/evil');
    } finally {
      await test.client.delete(`${RBAC}/clusterrolebindings/evil-admin`);
    }
    const after = await verify(baseline);
    expect(after.outcome.status, after.outcome.summary).toBe('passed');
  });

  it('fails on a widened Role (gain) and on a deleted binding (loss), and passes once both are put back', async () => {
    const baseline = await rbacCreep.baseline!(ctx, options);
    await apply(`${RBAC}/namespaces/shop/roles/reader`, readerRole(['get', 'list', 'delete']));
    const widened = await verify(baseline);
    expect(widened.outcome.status).toBe('failed');
    expect(widened.evidence.gained.items).toEqual([
      {
        subject: 'ServiceAccount system:serviceaccount:shop:web',
        count: 1,
        via: ['RoleBinding shop/web-reader → Role shop/reader'],
        permissions: { items: ['delete core/pods in shop ← RoleBinding shop/web-reader → Role shop/reader'], more: 0 },
      },
    ]);
    expect(widened.evidence.objects.changed.items).toEqual(['Role shop/reader']);

    await apply(`${RBAC}/namespaces/shop/roles/reader`, readerRole(['get', 'list']));
    await test.client.delete(`${RBAC}/namespaces/shop/rolebindings/web-reader`);
    const lost = await verify(baseline);
    expect(lost.outcome.status).toBe('failed');
    expect(lost.outcome.summary).toMatch(/^RBAC changed: 1 subject lost 2 permissions/);
    expect(lost.evidence.lost.items[0]?.permissions.items.sort()).toEqual([
      'get core/pods in shop ← RoleBinding shop/web-reader → Role shop/reader',
      'list core/pods in shop ← RoleBinding shop/web-reader → Role shop/reader',
    ]);
    // The apiserver agrees the lost permissions are gone.
    const lostSamples = lost.evidence.subjectAccessReview.samples.filter((s) => s.sample.startsWith('lost:'));
    expect(lostSamples).toHaveLength(2);
    expect(lostSamples.every((s) => !s.allowed)).toBe(true);

    await apply(`${RBAC}/namespaces/shop/rolebindings/web-reader`, readerBinding);
    const back: { outcome: CheckOutcome } = await verify(baseline);
    expect(back.outcome.status, back.outcome.summary).toBe('passed');
  });
  it('sees a cluster-admin binding dressed as bootstrap (system: name, rbac-defaults label, autoupdate annotation)', async () => {
    const baseline = await rbacCreep.baseline!(ctx, options);
    await apply(`${RBAC}/clusterrolebindings/system:kube-dns-metrics`, plantedBinding);
    try {
      const { outcome, evidence } = await verify(baseline);
      expect(outcome.status, outcome.summary).toBe('failed');
      expect(outcome.summary).toMatch(/^RBAC changed: 2 subjects gained \d+ permissions, \d+ new dangerous grants via ClusterRoleBinding system:kube-dns-metrics;/);
      expect(evidence.gained.items.map((d) => d.subject)).toEqual(['Group system:nodes', 'ServiceAccount system:serviceaccount:kube-system:default']);
      expect(evidence.objects.added.items).toEqual(['ClusterRoleBinding system:kube-dns-metrics']);
      expect(evidence.dangerous.new.items.join('\n')).toContain('Group system:nodes: secrets-read-cluster-wide');
      expect(evidence.cause.items[0]?.fix).toEqual(['kubectl delete clusterrolebinding system:kube-dns-metrics', 'rotate tokens of kube-system/default', 'revoke the credentials of Group system:nodes']);
      // The apiserver agrees: the planted grant is real.
      expect(evidence.subjectAccessReview.disagreements).toEqual([]);
      expect(evidence.subjectAccessReview.samples.filter((s) => s.sample.startsWith('gained: Group system:nodes')).every((s) => s.allowed)).toBe(true);
    } finally {
      await test.client.delete(`${RBAC}/clusterrolebindings/system:kube-dns-metrics`);
    }
  });

  it('sees a rule added to a bootstrap ClusterRole (the apiserver\'s reconcile would keep it)', async () => {
    const baseline = await rbacCreep.baseline!(ctx, options);
    const path = `${RBAC}/clusterroles/system:kube-scheduler`;
    const original = await test.client.get<KubeObject>(path);
    const extra = { apiGroups: [''], resources: ['secrets'], verbs: ['list'] };
    await test.client.replace(path, { ...original, rules: [...(original.rules as object[]), extra] });
    try {
      const { outcome, evidence } = await verify(baseline);
      expect(outcome.status, outcome.summary).toBe('failed');
      expect(evidence.gained.items).toEqual([{
        subject: 'User system:kube-scheduler', count: 1, via: ['ClusterRoleBinding system:kube-scheduler → ClusterRole system:kube-scheduler'],
        permissions: { items: ['list core/secrets cluster-wide ← ClusterRoleBinding system:kube-scheduler → ClusterRole system:kube-scheduler'], more: 0 },
      }]);
      expect(evidence.objects.changed.items).toEqual(['ClusterRole system:kube-scheduler']);
      expect(evidence.cause.items[0]).toMatchObject({ object: 'ClusterRole system:kube-scheduler', change: 'changed', rules: ['{"apiGroups":[""],"resources":["secrets"],"verbs":["list"]}'] });
      expect(evidence.dangerous.new.items).toEqual([expect.stringMatching(/^User system:kube-scheduler: secrets-read-cluster-wide/)]);
    } finally {
      await test.client.replace(path, { ...(await test.client.get<KubeObject>(path)), rules: original.rules });
    }
    expect((await verify(baseline)).outcome.status).toBe('passed');
  });

  /** With the aggregation controller stopped, edit shop-agg's live rules and verify; then let the controller put them back. */
  const withAggregationStopped = async (rules: (live: object[]) => object[], expectations: (r: Awaited<ReturnType<typeof verify>>) => void) => {
    const baseline = await rbacCreep.baseline!(ctx, options);
    const path = `${RBAC}/clusterroles/shop-agg`;
    await test.cluster.stopComponent('kube-controller-manager');
    try {
      const live = await test.client.get<KubeObject>(path);
      await test.client.replace(path, { ...live, rules: rules(live.rules as object[]) });
      expectations(await verify(baseline));
    } finally {
      await test.cluster.startComponent('kube-controller-manager');
    }
    // The aggregation controller writes the selected rules back, and the check passes again.
    await waitFor(async () => ((await test.client.get<KubeObject>(path)).rules as unknown[]).length === 1);
    expect((await verify(baseline)).outcome.status).toBe('passed');
  };

  it('models a rule written straight into an aggregated ClusterRole\'s live rules (what the authorizer uses)', async () => {
    await withAggregationStopped((live) => [...live, { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], ({ outcome, evidence }) => {
      expect(outcome.status, outcome.summary).toBe('failed');
      expect(evidence.gained.items[0]?.permissions.items).toEqual(['get core/secrets in shop ← RoleBinding shop/web-agg → ClusterRole shop-agg']);
      expect(evidence.notes.items.join('\n')).toContain('restored: ClusterRole shop-agg: 1 live rule(s) its aggregationRule does not select');
      expect(evidence.subjectAccessReview.disagreements).toEqual([]);
    });
  });

  it('fails when SubjectAccessReview disagrees with the model (aggregated rules the authorizer no longer has)', async () => {
    // Without the aggregation controller nothing rewrites them: the model still grants deployments, the apiserver does not.
    await withAggregationStopped(() => [], ({ outcome, evidence }) => {
      expect(outcome.status).toBe('failed');
      expect(outcome.summary).toMatch(/^RBAC unchanged by the model, but the apiserver disagrees; SubjectAccessReview disagreed on 2\/\d+ samples$/);
      expect(evidence.subjectAccessReview.disagreements.sort()).toEqual([
        'unchanged: ServiceAccount system:serviceaccount:shop:web may get apps/deployments in shop',
        'unchanged: ServiceAccount system:serviceaccount:shop:web may list apps/deployments in shop',
      ]);
      expect(outcome.recommendation).toMatch(/^SubjectAccessReview disagreed with the computed permissions on 2 samples/);
    });
  });
});
