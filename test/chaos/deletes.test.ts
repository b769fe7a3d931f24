import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { waitFor } from '../support/wait.js';
import { isAlive } from '../../src/providers/local/process.js';
import { CHAOS_STEPS } from '../../src/chaos/registry.js';
import { readKeyFile } from '../../src/crypto/key-file.js';
import type { LocalKeyProvider } from '../../src/crypto/local-kms.js';
import { createLocalStore } from '../../src/store/local-store.js';
import { registerSensitive } from '../../src/core/redact.js';
import { configMap, createAll, foreignView, ns, scenarioAllowing, secret } from './support.js';
import { widgetCrd as makeWidgetCrd } from '../support/crds.js';

const step = (id: string) => CHAOS_STEPS[id]!;
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const widgetCrd = makeWidgetCrd();
const widget = (namespace: string, name: string) =>
  [`/apis/example.com/v1/namespaces/${namespace}/widgets`, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name }, spec: { size: 1 } }] as [string, unknown];

describe('deleting chaos steps, exec and rotate-kek on a real cluster', () => {
  let tc: TestCluster;
  let ctx: TestContext;

  beforeAll(async () => {
    tc = await startTestCluster({ name: 'chaos-del' });
    ctx = await makeTestContext({ cluster: tc.cluster, client: tc.client });
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await tc?.destroy();
  });

  const crdEstablished = async () => {
    const crd = await tc.client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(`${CRDS}/widgets.example.com`);
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  };

  it('delete-namespaces deletes named namespaces, counts what was inside, and waits until they are gone', async () => {
    await createAll(tc.client, [ns('shop'), configMap('shop', 'one'), configMap('shop', 'two'), secret('shop', 'db'), ns('empty-one')]);
    // The controllers add the default ServiceAccount and kube-root-ca.crt to each namespace: wait so the count is stable.
    for (const name of ['shop', 'empty-one']) {
      await waitFor(async () => !!(await tc.client.getOptional(`/api/v1/namespaces/${name}/serviceaccounts/default`)));
      await waitFor(async () => !!(await tc.client.getOptional(`/api/v1/namespaces/${name}/configmaps/kube-root-ca.crt`)));
    }
    const summary = await step('delete-namespaces').run(ctx, { names: ['shop', 'empty-one'] });
    expect(summary).toMatch(/^deleted 2 namespaces \(shop, empty-one\) holding 7 objects; gone after \d+\.\ds$/);
    expect(ctx.facts.get('chaos.delete-namespaces')).toEqual({ namespaces: ['shop', 'empty-one'], objects: { shop: 5, 'empty-one': 2 } });
    expect(await tc.client.getOptional('/api/v1/namespaces/shop')).toBeUndefined();
    expect(await tc.client.getOptional('/api/v1/namespaces/empty-one')).toBeUndefined();
  });

  it('delete-namespaces by label selector skips nothing it should not, and refuses system namespaces by name', async () => {
    await createAll(tc.client, [ns('team-a', { tier: 'doomed' }), ns('team-b', { tier: 'doomed' }), ns('team-c', { tier: 'kept' })]);
    const summary = await step('delete-namespaces').run(ctx, { labelSelector: 'tier=doomed' });
    expect(summary).toContain('deleted 2 namespaces (team-a, team-b)');
    expect(await tc.client.getOptional('/api/v1/namespaces/team-a')).toBeUndefined();
    expect(await tc.client.getOptional('/api/v1/namespaces/team-c')).toBeDefined();
    await expect(step('delete-namespaces').run(ctx, { names: ['kube-system'] })).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID' });
    await expect(step('delete-namespaces').run(ctx, { names: ['no-such-ns'] })).rejects.toThrow('namespace no-such-ns does not exist');
    expect(await tc.client.getOptional('/api/v1/namespaces/kube-system')).toBeDefined();
  });

  it('delete-crds deletes a CRD and the apiserver removes its custom resources with it', async () => {
    await createAll(tc.client, [ns('w1'), ns('w2'), [CRDS, widgetCrd]]);
    await waitFor(crdEstablished);
    await waitFor(async () => (await tc.client.raw('/apis/example.com/v1')).status === 200);
    await createAll(tc.client, [widget('w1', 'a'), widget('w1', 'b'), widget('w2', 'c')]);
    const summary = await step('delete-crds').run(ctx, { group: 'example.com' });
    expect(summary).toMatch(/^deleted 1 CRD \(widgets\.example\.com\) with 3 custom resources; CRDs and custom resources gone after/);
    expect(await tc.client.getOptional(`${CRDS}/widgets.example.com`)).toBeUndefined();
    // Re-creating the CRD would expose any custom resource left in etcd: there must be none.
    await tc.client.create(CRDS, widgetCrd);
    await waitFor(crdEstablished);
    await waitFor(async () => (await tc.client.raw('/apis/example.com/v1/widgets')).status === 200);
    expect((await tc.client.listAll('/apis/example.com/v1/widgets')).items).toHaveLength(0);
    await expect(step('delete-crds').run(ctx, { names: ['gadgets.example.com'] })).rejects.toThrow('CRD gadgets.example.com does not exist');
  });

  it('delete-secrets deletes non-system Secrets of a namespace, and kube-system only when asked', async () => {
    await createAll(tc.client, [ns('vault'), secret('vault', 's1'), secret('vault', 's2', { app: 'x' }), ns('other'), secret('other', 's3', { app: 'x' })]);
    await tc.client.create('/api/v1/namespaces/kube-system/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sys', labels: { app: 'x' } } });
    expect(await step('delete-secrets').run(ctx, { labelSelector: 'app=x' })).toBe('deleted 2 Secrets in 2 namespaces (other, vault)');
    expect(await tc.client.getOptional('/api/v1/namespaces/kube-system/secrets/sys')).toBeDefined();
    expect(await tc.client.getOptional('/api/v1/namespaces/vault/secrets/s1')).toBeDefined();
    expect(await step('delete-secrets').run(ctx, { namespaces: ['vault'] })).toBe('deleted 1 Secret in 1 namespace (vault)');
    expect((await tc.client.listAll('/api/v1/namespaces/vault/secrets')).items).toHaveLength(0);
    await expect(step('delete-secrets').run(ctx, { names: ['kube-system/sys'] })).rejects.toThrow('refusing to delete Secrets in system namespace(s): kube-system/sys');
    expect(await step('delete-secrets').run(ctx, { names: ['kube-system/sys'], includeSystemNamespaces: true })).toBe('deleted 1 Secret in 1 namespace (kube-system)');
    expect(ctx.facts.get('chaos.delete-secrets')).toEqual({ secrets: ['kube-system/sys'] });
  });

  it('the destructive guard refuses a cluster kdrill did not create unless the scenario sets allowDestructive', async () => {
    await createAll(tc.client, [ns('guarded')]);
    const refusing = await makeTestContext({ cluster: foreignView(tc.cluster), client: tc.client, scenario: scenarioAllowing(false) });
    const allowing = await makeTestContext({ cluster: foreignView(tc.cluster), client: tc.client, scenario: scenarioAllowing(true) });
    try {
      for (const id of ['delete-namespaces', 'wipe-cluster', 'stop-component', 'exec']) {
        await expect(step(id).run(refusing, { names: ['guarded'], component: 'etcd', command: ['true'] }), id).rejects.toMatchObject({
          code: 'E_UNSAFE_TARGET',
          hint: expect.stringContaining('allowDestructive'),
        });
      }
      expect(await tc.client.getOptional('/api/v1/namespaces/guarded')).toBeDefined();
      expect(await tc.client.raw('/readyz')).toMatchObject({ status: 200 });
      expect(await step('delete-namespaces').run(allowing, { names: ['guarded'] })).toContain('deleted 1 namespace (guarded)');
      expect(await tc.client.getOptional('/api/v1/namespaces/guarded')).toBeUndefined();
    } finally {
      await refusing.cleanup();
      await allowing.cleanup();
    }
  });

  it('exec runs a command with KUBECONFIG and KDRILL_RUN_ID, and a zx script that reaches the cluster', async () => {
    const echo = await step('exec').run(ctx, { command: ['node', '-e', 'console.log(`${process.env.KDRILL_RUN_ID} ${process.env.KUBECONFIG}`)'] });
    expect(echo).toMatch(new RegExp(`exited 0 after \\d+\\.\\ds: test-run ${tc.cluster.kubeconfigPath.replaceAll('.', '\\.')}$`));
    const dir = await mkdtemp(join(tmpdir(), 'kdrill-zx-'));
    try {
      const kubectl = tc.cluster.state.binaries.kubectl;
      expect(kubectl, 'the local provider resolves kubectl beside the apiserver').toBeDefined();
      const script = join(dir, 'probe.mjs');
      // kubectl gets no --kubeconfig: it can only reach the cluster through the KUBECONFIG the step sets.
      await writeFile(script, `const out = await $\`${kubectl} get namespace kube-system -o jsonpath={.metadata.name}\`;\necho('zx sees ' + out.stdout);\n`);
      expect(await step('exec').run(ctx, { script })).toMatch(/: zx sees kube-system$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exec fails with the command, exit code and redacted last stderr lines; a timeout kills the whole process group', async () => {
    registerSensitive('hunter2-canary-value');
    const failing = step('exec').run(ctx, { command: 'echo first >&2; echo "token hunter2-canary-value" >&2; echo last-words >&2; exit 7', shell: true });
    await expect(failing).rejects.toMatchObject({ code: 'E_COMMAND', details: { exitCode: 7 } });
    const message = await failing.catch((e: Error) => e.message);
    expect(message).toContain('exited with code 7');
    expect(message).toContain('echo first >&2');
    expect(message).toMatch(/last stderr lines:\n {2}first\n {2}token «redacted»\n {2}last-words$/);
    expect(message).not.toContain('hunter2-canary-value');
    // A background child in the step's process group: the timeout must kill it too, not only the shell. Had the
    // timeout not worked, the step would run for 10 minutes and the test would time out instead.
    const pidFile = join(ctx.tempDir, 'exec-child.pid');
    const hung = step('exec').run(ctx, { command: `sleep 600 & echo $! > ${pidFile}; wait`, shell: true, timeout: '500ms' });
    await expect(hung).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    const child = Number(await readFile(pidFile, 'utf8'));
    expect(child).toBeGreaterThan(0);
    await waitFor(async () => !isAlive(child));
  });

  it('rotate-kek changes the key file\'s primary version while a backup\'s wrapped data key still unwraps', async () => {
    const before = ctx.keys as LocalKeyProvider;
    const writer = await ctx.store.create({ strategy: 'test', cluster: { name: 'c', provider: 'local', kubernetesVersion: 'v1' } });
    await writer.put('secret.txt', Buffer.from('sealed payload'), { sealed: true });
    const manifest = await writer.commit({});
    expect(manifest.dataKey?.keyVersion).toBe('1');
    const dataKey = await before.unwrap(manifest.dataKey, { backupId: manifest.id });

    const summary = await step('rotate-kek').run(ctx, {});
    expect(summary).toMatch(/primary version 1 → 2 \(versions kept: 1, 2\)$/);
    expect((await readKeyFile(ctx.keyFile)).file.primaryVersion).toBe(2);
    expect(ctx.keys).not.toBe(before);
    const after = ctx.keys as LocalKeyProvider;
    expect(after.primaryVersion).toBe(2);
    expect((await after.unwrap(manifest.dataKey, { backupId: manifest.id })).equals(dataKey)).toBe(true);
    expect((await after.wrap(dataKey, { backupId: manifest.id })).keyVersion).toBe('2');
    // A store opened with the rotated file still reads the old backup.
    const store = createLocalStore({ root: join(ctx.tempDir, 'store'), keys: after, audit: ctx.audit });
    expect((await (await store.open(manifest.id)).get('secret.txt')).toString()).toBe('sealed payload');
  });
});
