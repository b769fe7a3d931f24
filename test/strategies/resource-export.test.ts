import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskSecretData, normalizeObject, objectKey } from '../../src/checks/normalize.js';
import { registerSensitive } from '../../src/core/redact.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/types.js';
import type { BackupManifest } from '../../src/store/types.js';
import { resourceExport } from '../../src/strategies/resource-export/index.js';
import type { BackupIndex } from '../../src/strategies/resource-export/layout.js';
import { STRATEGIES } from '../../src/strategies/registry.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';

const NS = ['rx-a', 'rx-b'];
const CRDS = ['widgets.example.com', 'jobs.batch.example.com'];
const BULK = 600;
const canaries: string[] = [];
const hashKey = randomBytes(32);

let source: TestCluster;
let ctx: TestContext;
let backup: BackupManifest;
let baseline: Map<string, unknown>;
const figures: Record<string, string> = {};

beforeAll(async () => {
  source = await startTestCluster({ name: 'rx-source' });
  ctx = await makeTestContext({ cluster: source.cluster, client: source.client });
  await seed(source.client);
  baseline = await captureState(source.client);
});

afterAll(async () => {
  // Figures for the report (objects/s), visible with --reporter=verbose.
  console.info('resource-export figures', figures);
  await ctx?.cleanup();
  await source?.destroy();
});

describe('resource-export on a real cluster', () => {
  it('is registered under its id', () => {
    expect(STRATEGIES['resource-export']).toBe(resourceExport);
  });

  it('backs up every object as raw JSON, Secrets sealed: no canary reaches the disk', async () => {
    const started = Date.now();
    backup = await resourceExport.backup(ctx, {});
    const seconds = (Date.now() - started) / 1000;
    const total = backup.metadata.total as number;
    figures.backup = `${total} objects in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} objects/s`;
    expect(backup.metadata.counts).toMatchObject({ 'Job.batch.example.com': 1, 'Widget.example.com': 2, Secret: 6, 'CustomResourceDefinition.apiextensions.k8s.io': 2 });
    expect(backup.artifacts.find((a) => a.name === 'resources/core/v1/secrets.json')?.sealed).toBe(true);
    expect(backup.artifacts.find((a) => a.name === 'resources/core/v1/configmaps.json')?.sealed).toBe(false);

    const dir = join(ctx.tempDir, 'store', backup.id);
    const files = await readdir(dir, { recursive: true, withFileTypes: true });
    const needles = canaries.flatMap((c) => [c, Buffer.from(c).toString('base64')]);
    let scanned = 0;
    for (const file of files.filter((f) => f.isFile())) {
      const text = (await readFile(join(file.parentPath, file.name))).toString('latin1');
      scanned++;
      for (const needle of needles) expect(text.includes(needle), `${file.name} holds a canary`).toBe(false);
    }
    expect(scanned).toBeGreaterThan(10);

    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as BackupIndex;
    const rules = index.skipped.map((s) => s.rule);
    expect(rules).toEqual(expect.arrayContaining(['nodes', 'events', 'leases', 'root-ca-configmap', 'bootstrap-rbac', 'apf-bootstrap', 'automanaged-apiservices', 'kubernetes-service', 'ip-allocations']));
    expect(index.resources.find((r) => r.group === 'batch.example.com')).toMatchObject({ kind: 'Job', custom: true, statusSubresource: true });
    expect(index.resources.find((r) => r.group === 'batch' && r.resource === 'jobs')).toMatchObject({ custom: false });
    // The custom Job keeps fields batch/v1 Job does not have: raw JSON, no typed model in between.
    const customJobs = JSON.parse(await readFile(join(dir, 'resources/batch.example.com/v1/jobs.json'), 'utf8')) as KubeObject[];
    expect(customJobs[0]).toMatchObject({ kind: 'Job', spec: { flavor: 'custom', stages: [{ name: 'one' }] }, status: { phase: 'Done' } });
    expect(customJobs[0]!.metadata.managedFields).toBeDefined();
  });

  it('restores deleted namespaces and CRDs to the same normalized state, waiting out Terminating ones', async () => {
    await deleteSeeded(source.client);
    const before = ctx.client.writeCount.value;
    const started = Date.now();
    const report = await resourceExport.restore(ctx, backup, {});
    figures.restoreMixed = `${report.counts.created} created in ${((Date.now() - started) / 1000).toFixed(2)} s`;
    expect(report.counts).toMatchObject({ failed: 0, recreated: 0 });
    expect(report.counts.created).toBeGreaterThan(BULK);
    expect(ctx.client.writeCount.value - before).toBeGreaterThan(BULK);
    await waitFor(async () => ((await aggregatedRules(ctx.client)) > 0 ? true : undefined), 'aggregated ClusterRole rules');
    expect(diffStates(baseline, await captureState(ctx.client))).toEqual([]);
    // Owner references point at the restored owner's new uid.
    const widget = await ctx.client.get('/apis/example.com/v1/namespaces/rx-a/widgets/w1');
    const owned = await ctx.client.get('/api/v1/namespaces/rx-a/configmaps/owned-by-w1');
    expect(owned.metadata.ownerReferences?.[0]?.uid).toBe(widget.metadata.uid);
    // The kept token Secret was restored empty and refilled by the token controller for the new ServiceAccount.
    const sa = await ctx.client.get('/api/v1/namespaces/rx-a/serviceaccounts/builder');
    const token = await waitFor(async () => {
      const secret = await ctx.client.get('/api/v1/namespaces/rx-a/secrets/builder-token');
      return secret.metadata.annotations?.['kubernetes.io/service-account.uid'] === sa.metadata.uid && (secret.data as Record<string, string>)?.token ? secret : undefined;
    }, 'token Secret refilled');
    expect(Object.keys(token.data as object).sort()).toEqual(['ca.crt', 'namespace', 'token']);
  });

  it('makes zero writes when restoring the same backup again', async () => {
    const before = ctx.client.writeCount.value;
    const report = await resourceExport.restore(ctx, backup, {});
    expect(ctx.client.writeCount.value - before).toBe(0);
    expect(report.counts).toMatchObject({ created: 0, updated: 0, recreated: 0, failed: 0, writes: 0 });
    expect(report.counts.unchanged).toBe(report.counts.objects);

    // The audit log has one restore.apply event per tier with counts only, and backup.read for the artifacts.
    const audit = (await readFile(ctx.audit.path!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { action: string; details: Record<string, unknown> });
    const lastRun = audit.slice(audit.findLastIndex((e) => e.action === 'backup.read' && e.details.strategy === 'resource-export'));
    const tiers = lastRun.filter((e) => e.action === 'restore.apply').map((e) => e.details.tier);
    expect(tiers).toEqual(['crds', 'namespaces', 'cluster-config', 'roles', 'service-accounts', 'role-bindings', 'config', 'services', 'workloads', 'custom-resources']);
    expect(lastRun.find((e) => e.details.tier === 'config')?.details).toMatchObject({ unchanged: expect.any(Number), created: 0 });
    expect(audit.some((e) => e.action === 'backup.read' && e.details.objects === backup.metadata.total)).toBe(true);
  });

  it('undoes an added RoleBinding with prune and a changed roleRef by recreate (a dry run first lists both, changing nothing)', async () => {
    const attacker = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'attacker', namespace: 'rx-a' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' }],
    };
    const bindings = '/apis/rbac.authorization.k8s.io/v1/namespaces/rx-a/rolebindings';
    await seedCreate(ctx.client, bindings, attacker);
    // roleRef is immutable: the attacker re-created the binding pointing at cluster-admin.
    await ctx.client.delete(`${bindings}/reader`);
    await seedCreate(ctx.client, bindings, { ...attacker, metadata: { name: 'reader', namespace: 'rx-a' }, subjects: [{ kind: 'ServiceAccount', name: 'builder', namespace: 'rx-a' }] });
    const writes = ctx.client.writeCount.value;
    const dry = await resourceExport.restore(ctx, backup, { prune: true, dryRun: true });
    expect(dry.counts).toMatchObject({ pruned: 1, recreated: 1, created: 0, updated: 0 });
    expect(dry.notes).toContain('prune RoleBinding rx-a/attacker (role-bindings)');
    expect(dry.notes.find((n) => n.startsWith('recreate RoleBinding rx-a/reader (role-bindings): 422 Invalid'))).toBeDefined();
    // Besides reads a dry run only sends dryRun=All applies; the one here was refused (422), so none counts as a write.
    expect(ctx.client.writeCount.value - writes).toBe(0);
    expect(await ctx.client.getOptional(`${bindings}/attacker`)).toBeDefined();

    const report = await resourceExport.restore(ctx, backup, { prune: true });
    expect(report.counts).toMatchObject({ pruned: 1, recreated: 1, created: 0, updated: 0, failed: 0 });
    expect(report.notes.join('\n')).toMatch(/recreated \(an immutable field differed.*RoleBinding rx-a\/reader/);
    expect(await ctx.client.getOptional(`${bindings}/attacker`)).toBeUndefined();
    expect((await ctx.client.get(`${bindings}/reader`)).roleRef).toMatchObject({ kind: 'Role', name: 'reader' });
    expect(diffStates(baseline, await captureState(ctx.client))).toEqual([]);
  });

  it('prunes a cluster-admin binding dressed as bootstrap and puts a widened bootstrap binding back to its policy', async () => {
    const crbs = '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings';
    await seedCreate(ctx.client, crbs, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding',
      metadata: { name: 'system:kube-dns-metrics', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }, { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:nodes' }],
    });
    const scheduler = await ctx.client.get(`${crbs}/system:kube-scheduler`);
    const policySubjects = scheduler.subjects;
    await ctx.client.replace(`${crbs}/system:kube-scheduler`, { ...scheduler, subjects: [...(scheduler.subjects as object[]), { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }] });

    const report = await resourceExport.restore(ctx, backup, { prune: true });
    expect(report.counts).toMatchObject({ pruned: 2, failed: 0 });
    expect(report.notes.join('\n')).toContain("pruned: changed bootstrap object reset to the apiserver's policy");
    expect(await ctx.client.getOptional(`${crbs}/system:kube-dns-metrics`)).toBeUndefined();
    // Reset, not deleted: the scheduler keeps its own grant, the extra subject is gone.
    expect((await ctx.client.get(`${crbs}/system:kube-scheduler`)).subjects).toEqual(policySubjects);
    expect(diffStates(baseline, await captureState(ctx.client))).toEqual([]);
  }, 120_000);

  it('restores a namespace in bulk, next to raw parallel creates (throughput recorded as a figure)', async () => {
    const rawBefore = await timeRawCreates(ctx.client, 'rx-raw-1', BULK);
    const bulkBackup = await resourceExport.backup(ctx, { namespaces: ['rx-b'], includeClusterScoped: false });
    await deleteNamespace(ctx.client, 'rx-b');
    const started = Date.now();
    const report = await resourceExport.restore(ctx, bulkBackup, {});
    const restorePerSecond = report.counts.created! / ((Date.now() - started) / 1000);
    // Raw creates before and after: the machine is shared, so one sample alone says little.
    const raw = (rawBefore + (await timeRawCreates(ctx.client, 'rx-raw-2', BULK))) / 2;
    figures.rawCreate = `${Math.round(raw)} objects/s (${BULK} ConfigMaps, 16 parallel POSTs, mean of 2 runs)`;
    figures.restore = `${Math.round(restorePerSecond)} objects/s (${report.counts.created} objects) = ${Math.round((100 * restorePerSecond) / raw)}% of raw`;
    // Throughput is a figure, not an assertion: `npm run bench -- strategies` measures restore against raw creates.
    expect(report.counts.created).toBeGreaterThanOrEqual(BULK + 1);
  });

  it('converges when re-run after being interrupted half-way', async () => {
    await deleteNamespace(ctx.client, 'rx-b');
    const controller = new AbortController();
    const start = ctx.client.writeCount.value;
    const watcher = setInterval(() => {
      if (ctx.client.writeCount.value - start >= BULK / 3) controller.abort();
    }, 5);
    try {
      await expect(resourceExport.restore({ ...ctx, signal: controller.signal }, backup, {})).rejects.toMatchObject({ code: 'E_ABORTED' });
    } finally {
      clearInterval(watcher);
    }
    const partial = await countBulk(ctx.client);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(BULK);
    const report = await resourceExport.restore(ctx, backup, {});
    expect(report.counts).toMatchObject({ failed: 0, created: BULK - partial });
    expect(await countBulk(ctx.client)).toBe(BULK);
    expect(diffStates(baseline, await captureState(ctx.client))).toEqual([]);
  });

  it('rides out an apiserver restart in the middle of a restore', async () => {
    await deleteNamespace(ctx.client, 'rx-b');
    const start = ctx.client.writeCount.value;
    let restarted: Promise<void> | undefined;
    const watcher = setInterval(() => {
      if (restarted || ctx.client.writeCount.value - start < BULK / 4) return;
      restarted = (async () => {
        await source.cluster.killComponent('kube-apiserver');
        await new Promise((r) => setTimeout(r, 1_000));
        await source.cluster.startComponent('kube-apiserver');
      })();
    }, 5);
    try {
      const report = await resourceExport.restore(ctx, backup, {});
      expect(restarted).toBeDefined();
      await restarted;
      expect(report.counts.failed).toBe(0);
    } finally {
      clearInterval(watcher);
      await restarted;
    }
    expect(await countBulk(ctx.client)).toBe(BULK);
    expect(diffStates(baseline, await captureState(ctx.client))).toEqual([]);
  });

  it('restores into a second, fresh cluster', async () => {
    const fresh = await ctx.createFreshCluster('restore-target');
    const original = { cluster: ctx.cluster, client: ctx.client };
    ctx.useCluster(fresh);
    try {
      const report = await resourceExport.restore(ctx, backup, {});
      expect(report.counts.failed).toBe(0);
      await waitFor(async () => ((await aggregatedRules(ctx.client)) > 0 ? true : undefined), 'aggregated ClusterRole rules');
      expect(diffStates(baseline, await captureState(ctx.client))).toEqual([]);
      const again = await resourceExport.restore(ctx, backup, {});
      expect(again.counts.writes).toBe(0);

      // A copy of rx-a under another name, next to the original.
      const copy = await resourceExport.restore(ctx, backup, { namespaceMap: { 'rx-a': 'rx-a-copy' } });
      expect(copy.counts.failed).toBe(0);
      const ns = await ctx.client.get('/api/v1/namespaces/rx-a-copy');
      expect(ns.metadata.labels).toMatchObject({ team: 'rx', 'kubernetes.io/metadata.name': 'rx-a-copy' });
      const binding = await ctx.client.get('/apis/rbac.authorization.k8s.io/v1/namespaces/rx-a-copy/rolebindings/reader');
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'builder', namespace: 'rx-a-copy' }]);
      const copied = await ctx.client.get('/api/v1/namespaces/rx-a-copy/secrets/opaque');
      const original = await ctx.client.get('/api/v1/namespaces/rx-a/secrets/opaque');
      expect(copied.data).toEqual(original.data);
      const copyOwner = await ctx.client.get('/apis/example.com/v1/namespaces/rx-a-copy/widgets/w1');
      expect((await ctx.client.get('/api/v1/namespaces/rx-a-copy/configmaps/owned-by-w1')).metadata.ownerReferences?.[0]?.uid).toBe(copyOwner.metadata.uid);
    } finally {
      ctx.cluster = original.cluster;
      ctx.client = original.client;
    }
  });

  it('refuses a backup with a flipped byte before writing anything', async () => {
    const file = join(ctx.tempDir, 'store', backup.id, 'resources/core/v1/configmaps.json');
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await writeFile(file, bytes);
    const client = KubeClient.fromFile(source.cluster.kubeconfigPath);
    const original = ctx.client;
    ctx.client = client;
    try {
      await expect(resourceExport.restore(ctx, backup, {})).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });
      expect(client.writeCount.value).toBe(0);
    } finally {
      ctx.client = original;
      client.close();
    }
  });
});

// ---------- seeding ----------

function canary(): string {
  const value = `rx-canary-${randomBytes(12).toString('hex')}`;
  canaries.push(value);
  registerSensitive(value);
  return value;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** POST as a user would (field manager `rx-seed`), so kdrill's own manager owns nothing before the restore. */
async function seedCreate(client: KubeClient, collection: string, body: unknown): Promise<KubeObject> {
  return client.request<KubeObject>('POST', collection, { body, query: { fieldManager: 'rx-seed' } });
}

function crd(group: string, kind: string, plural: string, versions: string[]): unknown {
  const schema = {
    openAPIV3Schema: {
      type: 'object',
      properties: {
        spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { size: { type: 'integer', minimum: 1 } } },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.${group}` },
    spec: {
      group, scope: 'Namespaced', names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      conversion: { strategy: 'None' },
      versions: versions.map((name, i) => ({
        name, served: true, storage: i === 0, schema,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }, { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
      })),
    },
  };
}

async function seed(client: KubeClient): Promise<void> {
  await seedCreate(client, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('example.com', 'Widget', 'widgets', ['v1', 'v1beta1']));
  await seedCreate(client, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd('batch.example.com', 'Job', 'jobs', ['v1']));
  for (const ns of NS) await seedCreate(client, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: 'rx' } } });
  await waitFor(async () => ((await client.getOptional('/api/v1/namespaces/rx-a/serviceaccounts/default')) ? true : undefined), 'default SA');
  await seedSecrets(client);
  await seedRbac(client);
  await seedWorkloads(client);
  await waitFor(async () => ((await client.getOptional('/apis/example.com/v1')) ? true : undefined), 'CRD discovery');
  await seedCustomResources(client);
  await mapLimit(Array.from({ length: BULK }, (_, i) => i), 16, (i) =>
    seedCreate(client, '/api/v1/namespaces/rx-b/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bulk-${i}` }, data: { index: String(i) } }),
  );
}

async function seedSecrets(client: KubeClient): Promise<void> {
  const secret = (name: string, type: string, data: Record<string, string>) =>
    seedCreate(client, '/api/v1/namespaces/rx-a/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) });
  await secret('opaque', 'Opaque', { password: canary(), apiKey: canary() });
  await secret('tls', 'kubernetes.io/tls', { 'tls.crt': canary(), 'tls.key': canary() });
  // The whole config is the canary: its base64 is exactly what the Secret stores.
  const dockerConfig = JSON.stringify({ auths: { 'registry.example': { auth: b64(`u:${canary()}`) } } });
  canaries.push(dockerConfig);
  await secret('pull', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': dockerConfig });
  await secret('basic', 'kubernetes.io/basic-auth', { username: 'admin', password: canary() });
  await secret('ssh', 'kubernetes.io/ssh-auth', { 'ssh-privatekey': canary() });
  await seedCreate(client, '/api/v1/namespaces/rx-a/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' } });
  // A token Secret a user asked for: kept, restored empty, refilled by the token controller.
  await seedCreate(client, '/api/v1/namespaces/rx-a/secrets', {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 'builder-token', annotations: { 'kubernetes.io/service-account.name': 'builder' } },
  });
  await waitFor(async () => ((await client.get('/api/v1/namespaces/rx-a/secrets/builder-token')).data ? true : undefined), 'token filled');
}

async function seedRbac(client: KubeClient): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await seedCreate(client, `${rbac}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'rx-agg' },
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'rx-agg': 'true' } }] },
  });
  await seedCreate(client, `${rbac}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'rx-part', labels: { 'rx-agg': 'true' } },
    rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list'] }],
  });
  await seedCreate(client, `${rbac}/namespaces/rx-a/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
  });
  const builder = [{ kind: 'ServiceAccount', name: 'builder', namespace: 'rx-a' }];
  await seedCreate(client, `${rbac}/namespaces/rx-a/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader' }, subjects: builder, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
  });
  await seedCreate(client, `${rbac}/clusterrolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'rx-agg' }, subjects: builder, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rx-agg' },
  });
}

async function seedWorkloads(client: KubeClient): Promise<void> {
  await seedCreate(client, '/api/v1/namespaces/rx-a/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', labels: { app: 'web' } }, data: { mode: 'fast' } });
  await seedCreate(client, '/api/v1/namespaces/rx-a/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen' }, immutable: true, data: { v: '1' } });
  const labels = { app: 'web' };
  await seedCreate(client, '/apis/apps/v1/namespaces/rx-a/deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { serviceAccountName: 'builder', containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } } },
  });
  await seedCreate(client, '/api/v1/namespaces/rx-a/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: labels, ports: [{ port: 80 }] } });
  await seedCreate(client, '/api/v1/namespaces/rx-a/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-headless' }, spec: { clusterIP: 'None', selector: labels, ports: [{ port: 80 }] } });
}

async function seedCustomResources(client: KubeClient): Promise<void> {
  const widgets = '/apis/example.com/v1/namespaces/rx-a/widgets';
  const w1 = await seedCreate(client, widgets, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3, color: 'blue' } });
  await client.request('PUT', `${widgets}/w1/status`, { body: { ...w1, status: { ready: true, observed: 3 } } });
  await seedCreate(client, '/apis/example.com/v1beta1/namespaces/rx-a/widgets', { apiVersion: 'example.com/v1beta1', kind: 'Widget', metadata: { name: 'w2' }, spec: { size: 1 } });
  await seedCreate(client, '/api/v1/namespaces/rx-a/configmaps', {
    apiVersion: 'v1', kind: 'ConfigMap', data: { for: 'w1' },
    metadata: { name: 'owned-by-w1', ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w1', uid: w1.metadata.uid }] },
  });
  const jobs = '/apis/batch.example.com/v1/namespaces/rx-a/jobs';
  const job = await seedCreate(client, jobs, { apiVersion: 'batch.example.com/v1', kind: 'Job', metadata: { name: 'j1' }, spec: { size: 2, flavor: 'custom', stages: [{ name: 'one' }] } });
  await client.request('PUT', `${jobs}/j1/status`, { body: { ...job, status: { phase: 'Done' } } });
}

async function deleteSeeded(client: KubeClient): Promise<void> {
  for (const ns of NS) await client.delete(`/api/v1/namespaces/${ns}`);
  for (const name of CRDS) await client.delete(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
  for (const name of ['rx-agg', 'rx-part']) await client.delete(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`);
  await client.delete('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/rx-agg');
}

// ---------- state comparison ----------

const NAMESPACED = [
  '/api/v1/configmaps', '/api/v1/secrets', '/api/v1/serviceaccounts', '/api/v1/services', '/apis/apps/v1/deployments',
  '/apis/rbac.authorization.k8s.io/v1/roles', '/apis/rbac.authorization.k8s.io/v1/rolebindings',
  '/apis/example.com/v1/widgets', '/apis/batch.example.com/v1/jobs',
];
const CLUSTER = ['/api/v1/namespaces', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', '/apis/rbac.authorization.k8s.io/v1/clusterroles', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'];

/** Normalized objects the test seeded, by objectKey; Secret values masked (HMAC), token Secrets reduced to what a restore keeps. */
async function captureState(client: KubeClient): Promise<Map<string, unknown>> {
  const state = new Map<string, unknown>();
  for (const path of [...NAMESPACED, ...CLUSTER]) {
    const list = await client.listAll(path);
    const [, , group, version] = path.startsWith('/api/') ? ['', '', '', 'v1'] : path.split('/');
    for (const raw of list.items) {
      const obj = { ...raw, apiVersion: raw.apiVersion ?? (group ? `${group}/${version}` : 'v1'), kind: raw.kind ?? kindOf(path) } as KubeObject;
      if (!seeded(obj)) continue;
      const custom = obj.apiVersion.includes('example.com');
      let normal = maskSecretData(normalizeObject(obj, { keepStatus: custom }), hashKey);
      if (normal.type === 'kubernetes.io/service-account-token') {
        normal = { ...normal, data: undefined };
        delete normal.metadata.annotations?.['kubernetes.io/service-account.uid'];
      }
      state.set(objectKey(obj), normal);
    }
  }
  return state;
}

function seeded(obj: KubeObject): boolean {
  const { name, namespace } = obj.metadata;
  if (namespace) return NS.includes(namespace) && name !== 'kube-root-ca.crt' && !name.startsWith('bulk-');
  return NS.includes(name) || CRDS.includes(name) || name === 'rx-agg' || name === 'rx-part';
}

function kindOf(path: string): string {
  const plural = path.split('/').pop()!;
  const kinds: Record<string, string> = {
    configmaps: 'ConfigMap', secrets: 'Secret', serviceaccounts: 'ServiceAccount', services: 'Service', deployments: 'Deployment', roles: 'Role',
    rolebindings: 'RoleBinding', namespaces: 'Namespace', customresourcedefinitions: 'CustomResourceDefinition', clusterroles: 'ClusterRole', clusterrolebindings: 'ClusterRoleBinding',
  };
  return kinds[plural]!;
}

/** Keys that differ between two captures, with the first differing JSON for context (values are masked). */
function diffStates(before: Map<string, unknown>, after: Map<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of before) {
    const other = after.get(key);
    if (other === undefined) problems.push(`missing ${key}`);
    else if (JSON.stringify(sortKeys(value)) !== JSON.stringify(sortKeys(other))) problems.push(`changed ${key}: ${JSON.stringify(sortKeys(value))} != ${JSON.stringify(sortKeys(other))}`);
  }
  for (const key of after.keys()) if (!before.has(key)) problems.push(`extra ${key}`);
  return problems;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)]));
  return value;
}

// ---------- helpers ----------

async function aggregatedRules(client: KubeClient): Promise<number> {
  const role = await client.getOptional('/apis/rbac.authorization.k8s.io/v1/clusterroles/rx-agg');
  return ((role?.rules as unknown[] | undefined) ?? []).length;
}

async function timeRawCreates(client: KubeClient, namespace: string, count: number): Promise<number> {
  await seedCreate(client, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  const started = Date.now();
  await mapLimit(Array.from({ length: count }, (_, i) => i), 16, (i) =>
    client.create(`/api/v1/namespaces/${namespace}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `raw-${i}` }, data: { index: String(i) } }),
  );
  const perSecond = count / ((Date.now() - started) / 1000);
  // Wait for the namespace controller to finish, so its deletes do not compete with the next measurement.
  await deleteNamespace(client, namespace);
  return perSecond;
}

async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  await client.delete(`/api/v1/namespaces/${name}`);
  await waitFor(async () => ((await client.getOptional(`/api/v1/namespaces/${name}`)) ? undefined : true), `namespace ${name} deleted`);
}

async function countBulk(client: KubeClient): Promise<number> {
  return (await client.listAll('/api/v1/namespaces/rx-b/configmaps')).items.filter((c) => c.metadata.name.startsWith('bulk-')).length;
}

async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function mapLimit<T>(items: T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}
