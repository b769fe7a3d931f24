import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateDiff } from '../../src/checks/state-diff.js';
import type { CheckOutcome } from '../../src/contracts/types.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { waitFor } from '../support/wait.js';

const CANARY = 'kdrill-canary-statediff-91f2';
const NS = '/api/v1/namespaces/shop';
const options = { namespaces: ['shop'] };

interface Evidence {
  objects: { baseline: number; current: number; unchanged: number };
  missing: { items: string[]; more?: string };
  extra: { items: string[] };
  changed: { items: { key: string; diff?: string }[] };
  perKind: Record<string, { missing: number; extra: number; changed: number }>;
}

const configMap = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop', labels },
  data: { greeting: 'hello' },
});
const secret = (password: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'shop' },
  type: 'Opaque',
  stringData: { password },
});

// A real control plane: seed a namespace, take the baseline, break it as a bad restore would, then put it back.
describe('state-diff against a real cluster', () => {
  let test: TestCluster;
  let ctx: TestContext;
  let baseline: unknown;

  const verify = async (opts: Record<string, unknown> = options, base = baseline) => {
    const outcome: CheckOutcome = await stateDiff.verify(ctx, opts, base);
    return { outcome, evidence: outcome.evidence as unknown as Evidence };
  };

  beforeAll(async () => {
    test = await startTestCluster({ name: 'state-diff' });
    ctx = await makeTestContext({ cluster: test.cluster, client: test.client });
    await test.client.apply(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    // The controllers add the default ServiceAccount and kube-root-ca.crt: wait, or they would show up as extra objects.
    await waitFor(async () => (await test.client.getOptional(`${NS}/serviceaccounts/default`)) !== undefined);
    await test.client.apply(`${NS}/configmaps/app-config`, configMap('app-config', { tier: 'web' }));
    await test.client.apply(`${NS}/configmaps/feature-flags`, configMap('feature-flags', {}));
    await test.client.apply(`${NS}/secrets/db`, secret(CANARY));
    await test.client.apply(`${NS}/services/web`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    baseline = await stateDiff.baseline!(ctx, options);
  });

  /** Deletes and re-creates Service web: with its old cluster IP (as a restore keeps it), a given one, or another one. Returns the old IP. */
  const recreateService = async (how: { newIp?: boolean; ip?: string } = {}): Promise<string> => {
    const old = (await test.client.get<{ spec: { clusterIP: string } }>(`${NS}/services/web`)).spec.clusterIP;
    await test.client.delete(`${NS}/services/web`);
    await waitFor(async () => (await test.client.getOptional(`${NS}/services/web`)) === undefined);
    const other = old === '10.0.0.123' ? '10.0.0.124' : '10.0.0.123';
    const clusterIP = how.newIp ? other : (how.ip ?? old);
    await test.client.apply(`${NS}/services/web`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }], ...(clusterIP ? { clusterIP } : {}) },
    });
    return old;
  };

  afterAll(async () => {
    await ctx?.cleanup();
    await test?.destroy();
  });

  it('passes on the unchanged namespace', async () => {
    const { outcome, evidence } = await verify();
    expect(outcome.status, outcome.summary).toBe('passed');
    // Namespace, default ServiceAccount, two ConfigMaps, the Secret and the Service; kube-root-ca.crt is skipped.
    expect(evidence.objects).toEqual({ baseline: 6, current: 6, unchanged: 6 });
  });

  it('fails on a deleted ConfigMap, a changed label and a changed Secret, without showing the secret', async () => {
    await test.client.delete(`${NS}/configmaps/feature-flags`);
    await test.client.apply(`${NS}/configmaps/app-config`, configMap('app-config', { tier: 'db' }));
    await test.client.apply(`${NS}/secrets/db`, secret(`${CANARY}-rotated`));
    const { outcome, evidence } = await verify();
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toBe('1 missing, 2 changed, 0 extra of 6 baseline objects');
    expect(evidence.missing.items).toEqual(['/ConfigMap/shop/feature-flags']);
    expect(evidence.changed.items.map((c) => c.key)).toEqual(['/ConfigMap/shop/app-config', '/Secret/shop/db']);
    expect(evidence.changed.items[0]!.diff).toMatch(/^-\s+tier: web$/m);
    expect(evidence.changed.items[0]!.diff).toMatch(/^\+\s+tier: db$/m);
    expect(evidence.changed.items[1]!.diff).toMatch(/^-\s+password: hmac:[0-9a-f]{16}$/m);
    expect(evidence.perKind).toEqual({
      ConfigMap: { baseline: 2, current: 1, missing: 1, extra: 0, changed: 1 },
      Secret: { baseline: 1, current: 1, missing: 0, extra: 0, changed: 1 },
    });
    const text = JSON.stringify(outcome);
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(Buffer.from(CANARY).toString('base64').slice(0, 16));
    expect(outcome.recommendation).toMatch(/did not bring back 1 object/);
  });

  it('passes again once the objects are restored, and judges extra objects by allowExtra', async () => {
    await test.client.apply(`${NS}/configmaps/feature-flags`, configMap('feature-flags', {}));
    await test.client.apply(`${NS}/configmaps/app-config`, configMap('app-config', { tier: 'web' }));
    await test.client.apply(`${NS}/secrets/db`, secret(CANARY));
    await recreateService();
    const restored = await verify();
    expect(restored.outcome.status, restored.outcome.summary).toBe('passed');
    // Re-created objects have new uids, resourceVersions, timestamps and a new NodePort: none of that counts.
    expect(restored.evidence.objects.unchanged).toBe(6);

    await test.client.apply(`${NS}/configmaps/leftover`, configMap('leftover', {}));
    const extra = await verify();
    expect([extra.outcome.status, extra.evidence.extra.items]).toEqual(['failed', ['/ConfigMap/shop/leftover']]);
    expect((await verify({ ...options, allowExtra: true })).outcome.status).toBe('passed');
    await test.client.delete(`${NS}/configmaps/leftover`);
  });

  it('fails when a re-created Service lost its cluster IP (clients that reach it by IP break), and passes once it has it back', async () => {
    const before = await recreateService({ newIp: true });
    const { outcome, evidence } = await verify();
    expect(outcome.status).toBe('failed');
    expect(evidence.changed.items.map((c) => c.key)).toEqual(['/Service/shop/web']);
    expect(evidence.changed.items[0]!.diff).toMatch(new RegExp(`^-\\s+clusterIP: ${before.replace(/\./g, '\\.')}$`, 'm'));
    await recreateService({ ip: before });
    expect((await verify()).outcome.status).toBe('passed');
  });

  it('passes on a whole-cluster capture taken twice: nothing volatile is compared', async () => {
    const whole = await stateDiff.baseline!(ctx, {});
    await new Promise((r) => setTimeout(r, 3000));
    const { outcome, evidence } = await verify({}, whole);
    expect(outcome.status, JSON.stringify(outcome.evidence)).toBe('passed');
    const keys = Object.keys((whole as { objects: object }).objects);
    // Cluster-written objects are left out; user objects and the namespaces' default ServiceAccounts are in.
    expect(keys).toEqual(expect.arrayContaining(['/Namespace//kube-system', '/ServiceAccount/shop/default', '/Secret/shop/db']));
    expect(keys.filter((k) => /kube-root-ca|IPAddress|PriorityClass\/\/system-|\/Service\/default\/kubernetes|\/Event\/|Lease/.test(k))).toEqual([]);
    expect(evidence.objects.baseline).toBe(keys.length);
  });
  it('sees objects that only look like the apiserver\'s own: names, labels and annotations hide nothing', async () => {
    const opts = { kinds: ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'FlowSchema', 'APIService'] };
    const whole = await stateDiff.baseline!(ctx, opts);
    const keys = Object.keys((whole as { objects: object }).objects);
    // The apiserver's own objects are equal to its policy, so they are left out.
    expect(keys.filter((k) => /ClusterRole\/\/(cluster-admin|system:)|FlowSchema\/\/exempt|APIService\/\/v1\.apps/.test(k))).toEqual([]);
    const disguise = {
      labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', 'kube-aggregator.kubernetes.io/automanaged': 'true', 'kdrill.dev/internal': 'true' },
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true', 'apf.kubernetes.io/autoupdate-spec': 'true' },
    };
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    const flowSchemas = '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas';
    const scheduler = await test.client.get(`${rbac}/clusterroles/system:kube-scheduler`);
    await test.client.apply(`${rbac}/clusterrolebindings/system:kube-dns-metrics`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'system:kube-dns-metrics', ...disguise },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }, { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:nodes' }],
    });
    await test.client.apply(`${NS}/configmaps/loot`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'loot', namespace: 'shop', ...disguise }, data: { a: 'b' } });
    await test.client.apply(`${flowSchemas}/starve`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'starve', ...disguise },
      spec: { priorityLevelConfiguration: { name: 'workload-low' }, matchingPrecedence: 2, rules: [{ subjects: [{ kind: 'Group', group: { name: 'system:authenticated' } }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] }] },
    });
    await test.client.replace(`${rbac}/clusterroles/system:kube-scheduler`, { ...scheduler, rules: [...(scheduler.rules as object[]), { apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] });
    try {
      const { outcome, evidence } = await verify(opts, whole);
      expect(outcome.status).toBe('failed');
      expect(evidence.extra.items.sort()).toEqual([
        '/ConfigMap/shop/loot',
        'flowcontrol.apiserver.k8s.io/FlowSchema//starve',
        'rbac.authorization.k8s.io/ClusterRole//system:kube-scheduler',
        'rbac.authorization.k8s.io/ClusterRoleBinding//system:kube-dns-metrics',
      ]);
    } finally {
      await test.client.delete(`${rbac}/clusterrolebindings/system:kube-dns-metrics`);
      await test.client.delete(`${NS}/configmaps/loot`);
      await test.client.delete(`${flowSchemas}/starve`);
      await test.client.replace(`${rbac}/clusterroles/system:kube-scheduler`, { ...(await test.client.get(`${rbac}/clusterroles/system:kube-scheduler`)), rules: scheduler.rules });
    }
    expect((await verify(opts, whole)).outcome.status).toBe('passed');
  });
});
