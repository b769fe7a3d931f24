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
  accessReview: { checked: number; agreed: number; disagreements: string[]; samples: { sample: string; allowed: boolean }[] };
  objects: { added: { items: string[] }; removed: { items: string[] }; changed: { items: string[] } };
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
    // The SA, plus the "everyone" groups the bootstrap policy grants to (system:authenticated, system:unauthenticated,
    // system:serviceaccounts): never excluded, because a grant to them is what an attacker would add.
    expect(outcome.summary).toMatch(/^effective permissions of 4 subjects unchanged \(\d+ permissions\); SubjectAccessReview agreed on (\d+)\/\1 samples$/);
    // get+list pods (Role) and get+list deployments (aggregated ClusterRole) in shop, each confirmed.
    expect(evidence.accessReview.samples.map((s) => s.sample)).toEqual(expect.arrayContaining([
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
      expect(outcome.summary).toMatch(/^RBAC changed: 1 subjects gained \d+ permissions, \d+ new dangerous grants; SubjectAccessReview agreed on 20\/20 samples$/);
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
      const gainedSamples = evidence.accessReview.samples.filter((s) => s.sample.startsWith('gained: ServiceAccount system:serviceaccount:shop:evil'));
      expect(gainedSamples.length).toBeGreaterThan(5);
      expect(gainedSamples.every((s) => s.allowed)).toBe(true);
      expect(outcome.recommendation).toMatch(/evidence\.gained\[\]\.via/);
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
    expect(lost.outcome.summary).toMatch(/^RBAC changed: 1 subjects lost 2 permissions/);
    expect(lost.evidence.lost.items[0]?.permissions.items.sort()).toEqual([
      'get core/pods in shop ← RoleBinding shop/web-reader → Role shop/reader',
      'list core/pods in shop ← RoleBinding shop/web-reader → Role shop/reader',
    ]);
    // The apiserver agrees the lost permissions are gone.
    const lostSamples = lost.evidence.accessReview.samples.filter((s) => s.sample.startsWith('lost:'));
    expect(lostSamples).toHaveLength(2);
    expect(lostSamples.every((s) => !s.allowed)).toBe(true);

    await apply(`${RBAC}/namespaces/shop/rolebindings/web-reader`, readerBinding);
    const back: { outcome: CheckOutcome } = await verify(baseline);
    expect(back.outcome.status, back.outcome.summary).toBe('passed');
  });
});
