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
import { resolveBinaries } from '../../src/providers/local/binaries.js';
import { testLogger } from '../support/cluster.js';

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
    expect(outcome.summary).toMatch(/1 objects written, 1 API writes through kdrill, updated=1; first: changed \/ConfigMap\/shop\/app \(by kdrill\)/);
  });

  it('idempotence never prunes: objects the backup does not have survive the second restore', async () => {
    const extra = '/api/v1/namespaces/shop/configmaps/made-after-backup';
    // The test before took over ConfigMap app with another apply body: put it back first.
    await STRATEGIES['resource-export']!.restore(ctx, ctx.backup!, {});
    await test.client.create('/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'made-after-backup', namespace: 'shop' } });
    const scenario = structuredClone(ctx.scenario);
    scenario.spec.restore = { options: { prune: true } };
    const outcome = await idempotence.verify({ ...ctx, scenario } as typeof ctx, {}, undefined);
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(outcome.evidence).toMatchObject({ pruneSkipped: true, counts: { pruned: 0 } });
    expect(await test.client.getOptional(extra)).toBeDefined();
    await test.client.delete(extra);
  });

  it('idempotence measures a command strategy by resourceVersions: an idempotent tool passes, one that rewrites an object fails naming it', async () => {
    const kubectl = (await resolveBinaries({ logger: testLogger(), build: false })).paths.kubectl;
    expect(kubectl, 'kdrill cluster build puts kubectl in the cache').toBeDefined();
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tool-made\n  namespace: shop\ndata:\n  a: 1x\n';
    const commandCtx = (restore: string) => {
      const scenario = structuredClone(ctx.scenario);
      scenario.spec.backup = { strategy: 'command', options: { backup: { command: `printf '${manifest}' > "$KDRILL_BACKUP_DIR/cm.yaml"`, shell: true } } };
      scenario.spec.restore = { options: { restore: { command: restore, shell: true } } };
      return { ...ctx, scenario } as typeof ctx;
    };
    const apply = `"${kubectl}" apply --server-side --field-manager=tool -f "$KDRILL_BACKUP_DIR/cm.yaml"`;
    const good = commandCtx(apply);
    good.backup = await STRATEGIES.command!.backup(good, good.scenario.spec.backup.options!);
    await STRATEGIES.command!.restore(good, good.backup, good.scenario.spec.restore!.options!);
    const passed = await idempotence.verify(good, {}, undefined);
    expect(passed.status, passed.summary).toBe('passed');
    expect((passed.evidence as { objectsCompared: number }).objectsCompared).toBeGreaterThan(5);

    const stamping = commandCtx(`${apply} && "${kubectl}" annotate --overwrite -n shop configmap tool-made stamp="$(date +%s%N)"`);
    stamping.backup = good.backup;
    const failed = await idempotence.verify(stamping, {}, undefined);
    expect(failed.status).toBe('failed');
    expect(failed.summary).toMatch(/1 objects written, 0 API writes through kdrill.*first: changed \/ConfigMap\/shop\/tool-made \(by kubectl-annotate\)/);
  });

  it('controller-reconcile passes when the witness controller can reconcile every restored resource', async () => {
    const baseline = await controllerReconcile.baseline!(ctx, {});
    expect(baseline).toMatchObject({ version: 'v1', resource: 'drillitems', count: 3 });
    const outcome = await controllerReconcile.verify(ctx, {}, baseline);
    expect(outcome.status, outcome.summary).toBe('passed');
    const item = await test.client.get<{ status: { observedGeneration: number; phase: string } }>('/apis/fixtures.kdrill.dev/v1/namespaces/shop/drillitems/item-2');
    expect(item.status).toEqual({ observedGeneration: 1, phase: 'Reconciled' });
  });

  it('controller-reconcile proves a /status write even when every object is already reconciled, and removes its witness condition', async () => {
    const baseline = await controllerReconcile.baseline!(ctx, {});
    const writes = test.client.writeCount.value;
    const outcome = await controllerReconcile.verify(ctx, {}, baseline);
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(outcome.summary).toMatch(/reconciled 3\/3 drillitems .*; 3 \/status writes written and read back/);
    expect(outcome.evidence).toMatchObject({ mode: 'write', statusWritesProven: 3, witnessConditionRemoved: 3 });
    // One witness write and one clean-up per object: zero writes can no longer pass.
    expect(test.client.writeCount.value - writes).toBe(6);
    const item = await test.client.get<{ status: Record<string, unknown> }>('/apis/fixtures.kdrill.dev/v1/namespaces/shop/drillitems/item-1');
    expect(item.status).toEqual({ observedGeneration: 1, phase: 'Reconciled' });
  });

  it('controller-reconcile only dry-runs its status writes on a cluster kdrill did not create without the opt-in', async () => {
    const baseline = await controllerReconcile.baseline!(ctx, {});
    await test.client.create('/apis/fixtures.kdrill.dev/v1/namespaces/shop/drillitems', items(6)[5]);
    const cluster = Object.create(ctx.cluster, { createdByKdrill: { value: false } }) as typeof ctx.cluster;
    const writes = test.client.writeCount.value;
    const outcome = await controllerReconcile.verify({ ...ctx, cluster } as typeof ctx, {}, baseline);
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(outcome.summary).toMatch(/4 \/status writes accepted as server dry runs/);
    expect(outcome.evidence).toMatchObject({ mode: 'dry-run', statusWritesProven: 4 });
    expect(test.client.writeCount.value - writes).toBe(0);
    expect((await test.client.get('/apis/fixtures.kdrill.dev/v1/namespaces/shop/drillitems/item-5')).status).toBeUndefined();
    await test.client.delete('/apis/fixtures.kdrill.dev/v1/namespaces/shop/drillitems/item-5');
  });

  it('controller-reconcile proves the /status write by a generation round trip when the status schema has no conditions', async () => {
    const baseline = await controllerReconcile.baseline!(ctx, {});
    const crd = await test.client.get<{ spec: { versions: { schema: { openAPIV3Schema: { properties: { status: { properties: Record<string, unknown> } } } } }[] } }>(CRD_PATH);
    for (const v of crd.spec.versions) delete v.schema.openAPIV3Schema.properties.status.properties.conditions;
    await test.client.replace(CRD_PATH, crd);
    const writes = test.client.writeCount.value;
    const outcome = await controllerReconcile.verify(ctx, { timeout: 10_000 }, baseline);
    const witnessWrites = test.client.writeCount.value - writes;
    await test.client.replace(CRD_PATH, { ...(await test.client.get(CRD_PATH)), spec: generatedCrd().spec });
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(outcome.evidence).toMatchObject({ statusWritesProven: 3, provenByGenerationRoundTrip: 3 });
    // Per object: the condition write (pruned), observedGeneration one behind, caught up, and the clean-up.
    expect(witnessWrites).toBe(12);
    expect((await test.client.get('/apis/fixtures.kdrill.dev/v1/namespaces/shop/drillitems/item-0')).status).toEqual({ observedGeneration: 1, phase: 'Reconciled' });
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
