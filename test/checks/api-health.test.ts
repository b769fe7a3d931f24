import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHealth } from '../../src/checks/api-health.js';
import type { CheckOutcome } from '../../src/contracts/types.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { waitFor } from '../support/wait.js';

const APISERVICE = '/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.broken.example.com';
const STUCK_CM = '/api/v1/namespaces/stuck/configmaps/held';

interface Evidence {
  readyz: { httpStatus: number; passedChecks: number; failedChecks: string[] };
  discovery: { groupVersions: number; failures: { groupVersion: string; error: string }[] };
  namespaces: { probed: number; terminating: string[]; failures: { items: { namespace: string; step: string; error: string }[] } };
}

// A real control plane: probe every namespace, then break discovery (an APIService without a backend) and a namespace
// (stuck Terminating behind a finalizer), and check that each failure is named.
describe('api-health against a real cluster', () => {
  let test: TestCluster;
  let ctx: TestContext;
  let baseline: unknown;

  const verify = async (options: Record<string, unknown> = {}): Promise<{ outcome: CheckOutcome; evidence: Evidence }> => {
    const outcome = await apiHealth.verify(ctx, options, baseline);
    return { outcome, evidence: outcome.evidence as unknown as Evidence };
  };
  const probeLeftovers = async () => (await test.client.listAll('/api/v1/configmaps', { labelSelector: 'kdrill.dev/probe=true' })).items.length;

  beforeAll(async () => {
    test = await startTestCluster({ name: 'api-health' });
    ctx = await makeTestContext({ cluster: test.cluster, client: test.client });
    for (const name of ['shop', 'stuck']) await test.client.apply(`/api/v1/namespaces/${name}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    baseline = await apiHealth.baseline!(ctx, {});
  });

  afterAll(async () => {
    await test?.client.delete(APISERVICE).catch(() => false);
    await test?.client.apply(STUCK_CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'stuck', finalizers: [] } }).catch(() => undefined);
    await ctx?.cleanup();
    await test?.destroy();
  });

  it('passes on a healthy cluster, probing every baseline namespace and leaving nothing behind', async () => {
    const { outcome, evidence } = await verify();
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(evidence.readyz.httpStatus).toBe(200);
    expect(evidence.readyz.passedChecks).toBeGreaterThan(5);
    expect(evidence.discovery.failures).toEqual([]);
    // default, kube-node-lease, kube-public, kube-system, shop, stuck
    expect(evidence.namespaces.probed).toBe(6);
    expect(outcome.summary).toMatch(/^readyz ok \(\d+ checks\), \d+ group versions answer, probe write in 6 namespace\(s\)$/);
    expect(await probeLeftovers()).toBe(0);
  });

  it('on a cluster kdrill did not create, without the opt-in, probes by server dry run: it writes nothing, not even in kube-system', async () => {
    const cluster = Object.create(ctx.cluster, { createdByKdrill: { value: false } }) as typeof ctx.cluster;
    const writes = test.client.writeCount.value;
    const outcome = await apiHealth.verify({ ...ctx, cluster } as typeof ctx, {}, baseline);
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(outcome.summary).toMatch(/probe write as a server dry run \(kdrill did not create this cluster; allowDestructive lets it write\) in 6 namespace\(s\)$/);
    expect(test.client.writeCount.value - writes).toBe(0);
    expect(await probeLeftovers()).toBe(0);
    // With the opt-in it writes (and removes) a real probe object in each namespace.
    const scenario = structuredClone(ctx.scenario);
    scenario.spec.cluster = { provider: 'kubeconfig', allowDestructive: true };
    const allowed = await apiHealth.verify({ ...ctx, cluster, scenario } as typeof ctx, {}, baseline);
    expect(allowed.summary).toMatch(/probe write in 6 namespace\(s\)$/);
    expect(test.client.writeCount.value - writes).toBe(12);
  });

  it('fails naming a group version whose discovery does not answer, and passes once it is gone', async () => {
    await test.client.apply(APISERVICE, {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.broken.example.com' },
      spec: {
        group: 'broken.example.com',
        version: 'v1beta1',
        service: { namespace: 'shop', name: 'nowhere', port: 443 },
        insecureSkipTLSVerify: true,
        groupPriorityMinimum: 1000,
        versionPriority: 15,
      },
    });
    await waitFor(async () => (await test.client.get<{ groups: { name: string }[] }>('/apis')).groups.some((g) => g.name === 'broken.example.com'));
    const { outcome, evidence } = await verify({ namespaces: ['shop'] });
    expect(outcome.status).toBe('failed');
    expect(evidence.discovery.failures.map((f) => f.groupVersion)).toEqual(['broken.example.com/v1beta1']);
    expect(outcome.summary).toBe('discovery fails for broken.example.com/v1beta1');
    expect(outcome.recommendation).toMatch(/aggregated APIs/);
    await test.client.delete(APISERVICE);
    await waitFor(async () => !(await test.client.get<{ groups: { name: string }[] }>('/apis')).groups.some((g) => g.name === 'broken.example.com'));
    expect((await verify({ namespaces: ['shop'] })).outcome.status).toBe('passed');
  });

  it('fails naming a namespace that does not exist or does not take writes', async () => {
    const missing = await verify({ namespaces: ['shop', 'gone'] });
    expect(missing.outcome.status).toBe('failed');
    expect(missing.outcome.summary).toBe('probe failed in gone (create)');

    await test.client.apply(STUCK_CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'stuck', finalizers: ['example.com/hold'] } });
    await test.client.delete('/api/v1/namespaces/stuck');
    await waitFor(async () => ((await test.client.get<{ status: { phase: string } }>('/api/v1/namespaces/stuck')).status.phase === 'Terminating'));
    const stuck = await verify({ namespaces: ['stuck'] });
    expect(stuck.outcome.status).toBe('failed');
    expect(stuck.evidence.namespaces.failures.items).toEqual([{ namespace: 'stuck', step: 'create', error: expect.stringMatching(/403 Forbidden.*being terminated/) }]);
    // From the baseline, a namespace being deleted is reported, not probed.
    const fromBaseline = await verify();
    expect([fromBaseline.outcome.status, fromBaseline.evidence.namespaces.terminating, fromBaseline.evidence.namespaces.probed]).toEqual(['passed', ['stuck'], 5]);
    expect(await probeLeftovers()).toBe(0);
  });
});
