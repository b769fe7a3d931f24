import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { waitFor } from '../support/wait.js';
import { CHAOS_STEPS } from '../../src/chaos/registry.js';
import { TAMPER_FACTS_KEY, type TamperRecord } from '../../src/chaos/tamper-rbac.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/types.js';
import { createAll, ns } from './support.js';

const step = (id: string) => CHAOS_STEPS[id]!;
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Asks the apiserver whether `user` may do `verb` on `resource` (in `namespace`). */
async function can(client: KubeClient, user: string, groups: string[], verb: string, resource: string, namespace?: string): Promise<boolean> {
  const review = await client.create<{ status: { allowed: boolean } }>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user, groups, resourceAttributes: { verb, resource, namespace } },
  });
  return review.status.allowed;
}
const sa = (namespace: string, name: string) => [`system:serviceaccount:${namespace}:${name}`, ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated']] as const;

const crd = (plural: string, versions: string[], storage: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.example.com` },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural, singular: plural.slice(0, -1), kind: plural[0]!.toUpperCase() + plural.slice(1, -1) },
    versions: versions.map((name) => ({
      name,
      served: true,
      storage: name === storage,
      additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } } } } },
    })),
  },
});

describe('drift chaos steps (RBAC tampering, CRD mutation) on a real cluster', () => {
  let tc: TestCluster;
  let ctx: TestContext;
  const getCrd = (name: string) => tc.client.get<KubeObject & { spec: { versions: { name: string; storage: boolean; additionalPrinterColumns?: unknown[]; schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, { type: string }> } } } } }[] }; status: { storedVersions: string[] } }>(`${CRDS}/${name}`);
  const established = (name: string) => async () =>
    ((await tc.client.get(`${CRDS}/${name}`)).status as { conditions?: { type: string; status: string }[] }).conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;

  beforeAll(async () => {
    tc = await startTestCluster({ name: 'chaos-drift' });
    ctx = await makeTestContext({ cluster: tc.cluster, client: tc.client });
    await createAll(tc.client, [
      ns('shop'),
      ['/api/v1/namespaces/shop/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci' } }],
      [`${RBAC}/namespaces/shop/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }],
      [`${RBAC}/namespaces/shop/rolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'builder' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'User', name: 'builder', apiGroup: 'rbac.authorization.k8s.io' }] }],
      [`${RBAC}/clusterrolebindings`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'viewers' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }] }],
    ]);
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await tc?.destroy();
  });

  it('tamper-rbac escalate-binding grants cluster-admin to a ServiceAccount, confirmed by a SubjectAccessReview', async () => {
    const [user, groups] = sa('shop', 'ci');
    expect(await can(tc.client, user, [...groups], 'delete', 'secrets', 'kube-system')).toBe(false);
    const summary = await step('tamper-rbac').run(ctx, { mode: 'escalate-binding', subject: { kind: 'ServiceAccount', name: 'ci', namespace: 'shop' } });
    expect(summary).toMatch(/^created ClusterRoleBinding kdrill-escalate-[0-9a-f]{6} granting ClusterRole cluster-admin to ServiceAccount shop\/ci$/);
    await waitFor(() => can(tc.client, user, [...groups], 'delete', 'secrets', 'kube-system'));
    const [record] = ctx.facts.get(TAMPER_FACTS_KEY) as TamperRecord[];
    const binding = await tc.client.get(`${RBAC}/clusterrolebindings/${record!.object.name}`);
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'cluster-admin' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'ci', namespace: 'shop' }]);
  });

  it('tamper-rbac widen-role adds */*/* to a Role, and add-subject adds a user to a binding', async () => {
    expect(await can(tc.client, 'builder', [], 'delete', 'deployments', 'shop')).toBe(false);
    expect(await step('tamper-rbac').run(ctx, { mode: 'widen-role', role: { kind: 'Role', name: 'reader', namespace: 'shop' } })).toBe(
      'added rule */*/* (every verb on every resource) to Role shop/reader',
    );
    await waitFor(() => can(tc.client, 'builder', [], 'delete', 'deployments', 'shop'));
    expect(await can(tc.client, 'builder', [], 'delete', 'deployments', 'default')).toBe(false);

    expect(await can(tc.client, 'mallory', [], 'list', 'pods', 'kube-system')).toBe(false);
    const summary = await step('tamper-rbac').run(ctx, { mode: 'add-subject', subject: { kind: 'User', name: 'mallory' }, binding: { kind: 'ClusterRoleBinding', name: 'viewers' } });
    expect(summary).toBe('added User mallory to ClusterRoleBinding viewers (grants ClusterRole view)');
    await waitFor(() => can(tc.client, 'mallory', [], 'list', 'pods', 'kube-system'));
    await expect(step('tamper-rbac').run(ctx, { mode: 'add-subject', subject: { kind: 'User', name: 'mallory' }, binding: { kind: 'ClusterRoleBinding', name: 'viewers' } })).rejects.toThrow(
      'already has subject User mallory',
    );
    const records = ctx.facts.get(TAMPER_FACTS_KEY) as TamperRecord[];
    expect(records.map((r) => r.mode)).toEqual(['escalate-binding', 'widen-role', 'add-subject']);
    expect(records[1]!.rule).toEqual({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
  });

  it('mutate-crd drop-version stops serving a version that status.storedVersions listed', async () => {
    await tc.client.create(CRDS, crd('widgets', ['v1alpha1', 'v1'], 'v1alpha1'));
    await waitFor(established('widgets.example.com'));
    await waitFor(async () => (await tc.client.raw('/apis/example.com/v1alpha1/widgets')).status === 200);
    await tc.client.create('/apis/example.com/v1alpha1/namespaces/shop/widgets', { apiVersion: 'example.com/v1alpha1', kind: 'Widget', metadata: { name: 'old' }, spec: { size: 1 } });
    // Move storage to v1: storedVersions becomes [v1alpha1, v1].
    const moved = await getCrd('widgets.example.com');
    moved.spec.versions = moved.spec.versions.map((v) => ({ ...v, storage: v.name === 'v1' }));
    await tc.client.replace(`${CRDS}/widgets.example.com`, moved);
    expect((await getCrd('widgets.example.com')).status.storedVersions).toEqual(['v1alpha1', 'v1']);
    // What the step works around: the apiserver refuses to drop a version storedVersions still lists.
    const direct = await getCrd('widgets.example.com');
    direct.spec.versions = direct.spec.versions.filter((v) => v.name !== 'v1alpha1');
    await expect(tc.client.replace(`${CRDS}/widgets.example.com`, direct)).rejects.toMatchObject({ status: 422 });

    const summary = await step('mutate-crd').run(ctx, { name: 'widgets.example.com', mode: 'drop-version', version: 'v1alpha1' });
    expect(summary).toBe('widgets.example.com: dropped version v1alpha1; storedVersions now v1; /apis/example.com/v1alpha1 no longer serves widgets');
    const after = await getCrd('widgets.example.com');
    expect(after.spec.versions.map((v) => v.name)).toEqual(['v1']);
    expect(after.status.storedVersions).toEqual(['v1']);
    expect((await tc.client.raw('/apis/example.com/v1alpha1/namespaces/shop/widgets/old')).status).toBe(404);
    // 'old' is still stored at v1alpha1 in etcd and can no longer be decoded: the type's watch cache never
    // initializes, so even reads at v1 fail. That is the breakage a restore has to survive.
    let read = { status: 0, body: '' };
    await waitFor(async () => (read = await tc.client.raw('/apis/example.com/v1/namespaces/shop/widgets')).status === 429);
    expect(read).toMatchObject({ status: 429, body: expect.stringContaining('storage is (re)initializing') });
  });

  it('mutate-crd drop-version of the storage version moves storage first', async () => {
    await tc.client.create(CRDS, crd('gadgets', ['v1beta1', 'v1'], 'v1beta1'));
    await waitFor(established('gadgets.example.com'));
    const summary = await step('mutate-crd').run(ctx, { name: 'gadgets.example.com', mode: 'drop-version', version: 'v1beta1', newStorageVersion: 'v1' });
    expect(summary).toContain('dropped version v1beta1 (storage moved to v1); storedVersions now v1');
    const after = await getCrd('gadgets.example.com');
    expect(after.spec.versions.map((v) => [v.name, v.storage])).toEqual([['v1', true]]);
    // No object was stored at v1beta1, so unlike widgets the remaining version reads fine.
    await waitFor(async () => (await tc.client.raw('/apis/example.com/v1/gadgets')).status === 200);
    await expect(step('mutate-crd').run(ctx, { name: 'gadgets.example.com', mode: 'drop-version', version: 'v1' })).rejects.toThrow('only version');
  });

  it('mutate-crd change-schema removes and retypes properties the apiserver then enforces; printer columns go', async () => {
    expect(await step('mutate-crd').run(ctx, { name: 'widgets.example.com', mode: 'change-schema', property: 'spec.size', change: 'remove' })).toBe('widgets.example.com: v1: removed spec.size');
    expect(await step('mutate-crd').run(ctx, { name: 'widgets.example.com', mode: 'change-schema', property: 'spec.color', change: 'retype', type: 'integer' })).toBe(
      'widgets.example.com: v1: spec.color string → integer',
    );
    const props = (await getCrd('widgets.example.com')).spec.versions[0]!.schema.openAPIV3Schema.properties.spec.properties;
    expect(props).toEqual({ color: { type: 'integer' } });
    await waitFor(async () => {
      const made = await tc.client
        .request<KubeObject>('POST', '/apis/example.com/v1/namespaces/shop/widgets', { body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { generateName: 'probe-' }, spec: { size: 3, color: 5 } } })
        .catch(() => undefined);
      // The removed property is pruned by the new schema; a string color would now be rejected.
      return made !== undefined && (made.spec as Record<string, unknown>).size === undefined;
    });
    await expect(
      tc.client.create('/apis/example.com/v1/namespaces/shop/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'red' }, spec: { color: 'red' } }),
    ).rejects.toMatchObject({ status: 422 });
    expect(await step('mutate-crd').run(ctx, { name: 'widgets.example.com', mode: 'change-printer-columns' })).toBe('widgets.example.com: v1 printer columns now none');
    expect((await getCrd('widgets.example.com')).spec.versions[0]!.additionalPrinterColumns).toBeUndefined();
  });
});
