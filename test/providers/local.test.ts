import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir, symlink } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { isAlive } from '../../src/providers/local/process.js';
import { resolveBinaries } from '../../src/providers/local/binaries.js';
import { silentLogger } from '../../src/core/logger.js';
import { waitFor, grepDir } from '../support/wait.js';
import { widgetCrd } from '../support/crds.js';

const KDRILL = join(import.meta.dirname, '../../bin/kdrill.js');

const crd = widgetCrd({
  versions: ['v1alpha1', 'v1'],
  status: true,
  schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } }, status: { type: 'object', properties: { ready: { type: 'boolean' } } } } },
});

describe('local provider', () => {
  let a: TestCluster;
  let b: TestCluster;
  const canary = `canary-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    [a, b] = await Promise.all([startTestCluster({ name: 'a' }), startTestCluster({ name: 'b' })]);
  });
  afterAll(async () => {
    await Promise.all([a?.destroy(), b?.destroy()]);
  });

  it('reports the pinned versions from the real binaries', async () => {
    const version = await a.client.get<{ gitVersion: string }>('/version');
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(a.cluster.versions.kubernetes).toBe(version.gitVersion);
    expect(a.cluster.versions.etcd).toMatch(/^3\.\d+\.\d+$/);
  });

  it('serves a CRD with two versions, a CR with status, and encrypts Secrets at rest', async () => {
    const c = a.client;
    await c.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await c.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
    await waitFor(async () => {
      const got = await c.get<{ status?: { conditions?: { type: string; status: string }[] } }>('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
      return got.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') ?? false;
    });
    await waitFor(async () => (await c.getOptional('/apis/example.com/v1alpha1')) !== undefined);
    await c.create('/apis/example.com/v1alpha1/namespaces/shop/widgets', { apiVersion: 'example.com/v1alpha1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } });
    await c.request('PATCH', '/apis/example.com/v1/namespaces/shop/widgets/w1/status', {
      body: { status: { ready: true } }, contentType: 'application/merge-patch+json',
    });
    const v1 = await c.get<{ spec: { size: number }; status: { ready: boolean } }>('/apis/example.com/v1/namespaces/shop/widgets/w1');
    expect(v1.spec.size).toBe(3);
    expect(v1.status.ready).toBe(true);

    await c.create('/api/v1/namespaces/shop/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: canary } });
    const e = a.cluster.etcd;
    const raw = await execa(a.cluster.state.binaries.etcdctl!, [
      `--endpoints=${e.endpoints[0]}`, `--cacert=${e.caFile}`, `--cert=${e.certFile}`, `--key=${e.keyFile}`,
      'get', '/registry/secrets/shop/db', '--print-value-only',
    ], { encoding: 'buffer' });
    const value = Buffer.from(raw.stdout);
    expect(value.subarray(0, 8).toString()).toBe('k8s:enc:');
    expect(value.includes(canary)).toBe(false);
    expect(await grepDir(e.dataDir!, [canary, Buffer.from(canary).toString('base64')])).toEqual([]);
  });

  it('finishes deleting a namespace that holds objects, and garbage-collects dependents', async () => {
    const c = a.client;
    await c.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    for (let i = 0; i < 5; i++) await c.create('/api/v1/namespaces/doomed/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${i}` }, data: { i: String(i) } });
    await c.delete('/api/v1/namespaces/doomed');
    await waitFor(async () => (await c.getOptional('/api/v1/namespaces/doomed')) === undefined, 60_000);

    const owner = await c.create<{ metadata: { uid: string } }>('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' } });
    await c.create('/api/v1/namespaces/default/configmaps', {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid }] },
    });
    await c.delete('/api/v1/namespaces/default/configmaps/owner');
    await waitFor(async () => (await c.getOptional('/api/v1/namespaces/default/configmaps/dependent')) === undefined, 60_000);
  });

  it('runs two clusters that share no state', async () => {
    await b.client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'only-in-b' } });
    expect(await a.client.getOptional('/api/v1/namespaces/only-in-b')).toBeUndefined();
    expect(await b.client.getOptional('/api/v1/namespaces/shop')).toBeUndefined();
    expect(a.cluster.state.ports.apiserver).not.toBe(b.cluster.state.ports.apiserver);
    expect(a.cluster.etcd.dataDir).not.toBe(b.cluster.etcd.dataDir);
  });

  it('survives stopping and restarting the apiserver, and kill -9 of etcd', async () => {
    await a.cluster.stopComponent('kube-apiserver');
    expect((await a.client.raw('/readyz').catch(() => ({ status: 0 }))).status).toBe(0);
    await a.cluster.startComponent('kube-apiserver');
    await a.cluster.killComponent('etcd');
    await a.cluster.startComponent('etcd');
    await a.cluster.waitReady();
    expect(await a.client.getOptional('/api/v1/namespaces/shop')).toBeDefined();
  });
});

describe('local provider lifecycle', () => {
  it('leaves no process and no dir after destroy, and after a failed start', async () => {
    const t = await startTestCluster({ name: 'short' });
    const pids = Object.values(t.cluster.state.pids) as number[];
    expect(pids).toHaveLength(3);
    expect(pids.every(isAlive)).toBe(true);
    await t.destroy();
    expect(pids.some(isAlive)).toBe(false);
    expect(existsSync(t.home)).toBe(false);
  });

  it('cleans up after SIGINT to `kdrill cluster up` mid-start', async () => {
    const home = await mkdtemp(join(tmpdir(), 'kdrill-sigint-'));
    const child = execa('node', [KDRILL, 'cluster', 'up', '--name', 'interrupted'], { env: { KDRILL_HOME: home }, reject: false });
    const stateFile = join(home, 'clusters', 'interrupted', 'cluster.json');
    let pids: number[] = [];
    await waitFor(async () => {
      if (!existsSync(stateFile)) return false;
      const state = JSON.parse(await readFile(stateFile, 'utf8')) as { pids: Record<string, number> };
      pids = Object.values(state.pids);
      return pids.length >= 1;
    }, 60_000, 20);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(pids.some(isAlive)).toBe(false);
    expect(existsSync(join(home, 'clusters', 'interrupted'))).toBe(false);
    await rm(home, { recursive: true, force: true });
  });

  it('gives clear errors (exit 2) for a bad --bin-dir, a missing binary and a taken port', async () => {
    const home = await mkdtemp(join(tmpdir(), 'kdrill-err-'));
    const run = (...args: string[]) => execa('node', [KDRILL, 'cluster', 'up', ...args], { env: { KDRILL_HOME: home }, reject: false });

    const bad = await run('--bin-dir', join(home, 'nope'));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('E_BIN_DIR');
    expect(bad.stderr).toContain('is not a directory');

    const partial = join(home, 'partial');
    await mkdir(partial);
    const real = await resolveBinaries({ logger: silentLogger, build: false });
    await symlink(real.paths.etcd, join(partial, 'etcd'));
    const missing = await run('--bin-dir', partial);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/lacks kube-apiserver, kube-controller-manager, etcdctl, etcdutl/);

    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const taken = await run('--port', String(port));
    server.close();
    expect(taken.exitCode).toBe(2);
    expect(taken.stderr).toContain(`port 127.0.0.1:${port} for kube-apiserver is already in use`);
    expect(await readdir(join(home, 'clusters')).catch(() => [])).toEqual([]);
    await writeFile(join(home, 'done'), '');
    await rm(home, { recursive: true, force: true });
  });
});
