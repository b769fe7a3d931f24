import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotence } from '../../src/checks/idempotence.js';
import { controllerReconcile } from '../../src/checks/controller-reconcile.js';
import { STRATEGIES } from '../../src/strategies/registry.js';
import { applyFixtures } from '../../src/fixtures/apply.js';
import { generatedCrd, GENERATED_CRD } from '../../src/fixtures/generate.js';
import type { BackupStrategy } from '../../src/contracts/types.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { waitFor } from '../support/wait.js';

const CRD_PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${GENERATED_CRD}`;
const items = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ apiVersion: 'fixtures.kdrill.dev/v1', kind: 'DrillItem', metadata: { name: `item-${i}`, namespace: 'shop' }, spec: { size: i } }));

// Both checks against a real control plane: each passes on a good restore and fails on a deliberately bad one.
describe('idempotence and controller-reconcile checks', () => {
  let test: TestCluster;
  let ctx: TestContext;

  beforeAll(async () => {
    test = await startTestCluster({ name: 'idem' });
    ctx = await makeTestContext({ cluster: test.cluster, client: test.client });
    await applyFixtures(test.client, [
      generatedCrd(),
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'shop' }, data: { a: '1' } },
      ...items(3),
    ]);
  });
  afterAll(async () => {
    delete STRATEGIES['always-writes'];
    await ctx?.cleanup();
    await test?.destroy();
  });

  it('idempotence passes when a second resource-export restore writes nothing', async () => {
    ctx.backup = await STRATEGIES['resource-export']!.backup(ctx, { namespaces: ['shop'] });
    await STRATEGIES['resource-export']!.restore(ctx, ctx.backup, {});
    const outcome = await idempotence.verify(ctx, {}, undefined);
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(outcome.evidence).toMatchObject({ writes: 0 });
  });

  it('idempotence fails when the restore rewrites objects every time', async () => {
    let generation = 0;
    const alwaysWrites: BackupStrategy = {
      id: 'always-writes', description: 'test', optionsSchema: {} as never, targets: ['same'],
      backup: async () => ctx.backup!,
      restore: async (c) => {
        await c.client.apply('/api/v1/namespaces/shop/configmaps/app', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'shop', annotations: { stamp: String(++generation) } } });
        return { counts: { updated: 1 }, notes: [] };
      },
    };
    STRATEGIES['always-writes'] = alwaysWrites;
    const scenario = structuredClone(ctx.scenario);
    scenario.spec.restore = { strategy: 'always-writes' };
    const outcome = await idempotence.verify({ ...ctx, scenario } as typeof ctx, {}, undefined);
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toMatch(/1 API writes, updated=1/);
  });

  it('controller-reconcile passes when the witness controller can reconcile every restored resource', async () => {
    const baseline = await controllerReconcile.baseline!(ctx, {});
    expect(baseline).toMatchObject({ version: 'v1', resource: 'drillitems', count: 3 });
    const outcome = await controllerReconcile.verify(ctx, {}, baseline);
    expect(outcome.status, outcome.summary).toBe('passed');
    const item = await test.client.get<{ status: { observedGeneration: number; phase: string } }>('/apis/fixtures.kdrill.dev/v1/namespaces/shop/drillitems/item-2');
    expect(item.status).toEqual({ observedGeneration: 1, phase: 'Reconciled' });
  });

  it('controller-reconcile fails when the restored CRD lost its status subresource', async () => {
    const baseline = await controllerReconcile.baseline!(ctx, {});
    const crd = await test.client.get<{ spec: { versions: { subresources?: unknown }[] } }>(CRD_PATH);
    for (const v of crd.spec.versions) delete v.subresources;
    await test.client.replace(CRD_PATH, crd);
    await waitFor(async () => (await test.client.raw('/apis/fixtures.kdrill.dev/v1/namespaces/shop/drillitems/item-0/status')).status === 404);
    await test.client.apply('/apis/fixtures.kdrill.dev/v1/namespaces/shop/drillitems/item-3', items(4)[3]);
    // item-3 can never be reconciled: the check waits its whole timeout, long enough for the other three on a slow machine.
    const outcome = await controllerReconcile.verify(ctx, { timeout: 20_000 }, baseline);
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toMatch(/reconciled 3\/4 drillitems/);
    expect(JSON.stringify(outcome.evidence)).toContain('item-3');
  });
});
