import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSensitive } from '../../src/core/redact.js';
import { seedFixtures } from '../../src/fixtures/seed.js';
import type { KubeObject } from '../../src/kube/types.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { etcdTools, runEtcdctl } from '../../src/strategies/etcd-snapshot/etcd-tools.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { waitFor } from '../support/wait.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const WIDGETS = '/apis/platform.kdrill.dev/v1/namespaces/platform-tenants/widgets';

const scenario: Scenario = {
  apiVersion: 'kdrill.dev/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'fixture-sets' },
  spec: { fixtures: { sets: ['platform', 'rbac', 'secrets', 'workloads'] }, backup: { strategy: 'resource-export' }, checks: [{ check: 'state-diff' }] },
};

interface CrdStatus {
  spec: { versions: { name: string; storage: boolean }[] };
  status: { storedVersions: string[] };
}

describe('built-in fixture sets on a real cluster', () => {
  let tc: TestCluster;
  let ctx: TestContext;
  let seeded: { objects: number; canaries: number };

  beforeAll(async () => {
    tc = await startTestCluster({ name: 'fixture-sets' });
    ctx = await makeTestContext({ cluster: tc.cluster, client: tc.client, scenario });
    seeded = await seedFixtures(ctx);
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await tc?.destroy();
    clearSensitive();
  });

  it('seeds every object, labelled, with six canaries', async () => {
    expect(seeded.canaries).toBe(6);
    expect(ctx.canaries).toHaveLength(6);
    const listed = ctx.facts.get('fixtures.objects') as unknown[];
    expect(seeded.objects).toBe(listed.length);
    // platform 20 + rbac 14 + secrets 9 + workloads 9 (the shop Namespace is in two sets).
    expect(seeded.objects).toBe(52);
    const secrets = (await tc.client.listAll('/api/v1/namespaces/shop/secrets', { labelSelector: 'app.kubernetes.io/part-of=kdrill-fixtures,kdrill.dev/run-id=test-run' })).items;
    expect(secrets.map((s) => s.metadata.name).sort()).toEqual(['ci-bot-token', 'db-credentials', 'git-deploy-key', 'payment-api-keys', 'registry-pull', 'shop-tls', 'smtp-basic-auth']);
  });

  it('leaves Database with a storage history and its resources still encoded at v1beta1 in etcd', async () => {
    const databases = await tc.client.get<CrdStatus>(`${CRDS}/databases.data.kdrill.dev`);
    expect(databases.status.storedVersions).toEqual(['v1beta1', 'v1']);
    expect(databases.spec.versions.find((v) => v.storage)!.name).toBe('v1');
    expect((await tc.client.get<CrdStatus>(`${CRDS}/widgets.platform.kdrill.dev`)).status.storedVersions).toEqual(['v1']);
    const tools = await etcdTools(ctx);
    const stored = await runEtcdctl(tools, tc.cluster.etcd!, ['get', '/registry/data.kdrill.dev/databases/platform-tenants/orders', '--print-value-only']);
    expect((JSON.parse(stored) as KubeObject).apiVersion).toBe('data.kdrill.dev/v1beta1');
    const read = await tc.client.get('/apis/data.kdrill.dev/v1/namespaces/platform-tenants/databases/orders');
    expect(read.apiVersion).toBe('data.kdrill.dev/v1');
  });

  it('enforces the Widget CEL rules: a cross-field rule and an immutable region', async () => {
    const widget = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'platform.kdrill.dev/v1', kind: 'Widget', metadata: { name, namespace: 'platform-tenants' }, spec });
    await expect(tc.client.apply(`${WIDGETS}/too-small`, widget('too-small', { replicas: 1, minReplicas: 3, tier: 'gold' }), { dryRun: true })).rejects.toThrow(/replicas must not be below minReplicas/);
    await expect(tc.client.apply(`${WIDGETS}/checkout`, widget('checkout', { replicas: 4, minReplicas: 2, tier: 'gold', region: 'us-west-2' }), { dryRun: true })).rejects.toThrow(/region is immutable/);
    const ok = await tc.client.apply<KubeObject>(`${WIDGETS}/checkout`, widget('checkout', { replicas: 5, minReplicas: 2, tier: 'gold', region: 'eu-west-1' }), { dryRun: true });
    expect((ok.spec as { replicas: number }).replicas).toBe(5);
  });

  it('lets the controllers finish the job: aggregated roles get rules, the token Secret gets a token', async () => {
    const rules = async (name: string) => JSON.stringify((await tc.client.get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`)).rules ?? []);
    await waitFor(async () => (await rules('kdrill-fixtures:platform-edit')).includes('"create"') && (await rules('kdrill-fixtures:platform-view')).includes('widgets/scale'));
    expect(await rules('kdrill-fixtures:platform-view')).not.toContain('"create"');
    await waitFor(async () => Boolean(((await tc.client.get('/api/v1/namespaces/shop/secrets/ci-bot-token')).data as Record<string, string> | undefined)?.token));
  });

  it('keeps the conversion webhook configuration of DNSZone (single version: the webhook is never called)', async () => {
    const crd = await tc.client.get<{ spec: { conversion: { strategy: string; webhook: { clientConfig: { caBundle: string } } } } }>(`${CRDS}/dnszones.networking.kdrill.dev`);
    expect(crd.spec.conversion.strategy).toBe('Webhook');
    const tls = await tc.client.get('/api/v1/namespaces/platform-system/secrets/dns-operator-webhook-tls');
    expect(crd.spec.conversion.webhook.clientConfig.caBundle).toBe((tls.data as Record<string, string>)['tls.crt']);
    expect((await tc.client.listAll('/apis/networking.kdrill.dev/v1/dnszones')).items.map((z) => z.metadata.name).sort()).toEqual(['internal-example-com', 'shop-example-com']);
  });
});
