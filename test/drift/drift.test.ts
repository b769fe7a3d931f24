import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport } from '../../src/drift/drift.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/types.js';
import { widgetCrd } from '../support/crds.js';
import { waitFor } from '../support/wait.js';

const KDRILL = join(import.meta.dirname, '../../bin/kdrill.js');
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const CRD = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com';
const schema = (maxSize: number) => ({ type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', maximum: maxSize } } } } });

// `kdrill drift` as a user runs it, against a real local cluster and a backup of it in a local store. Each test runs
// the CLI a few times: generous timeouts, so a machine five times slower still passes.
describe('kdrill drift (subprocess, real local cluster)', { timeout: 600_000 }, () => {
  let home: string;
  let client: KubeClient;
  let key: string;
  let store: string;
  // Canaries: Secret values before and after the change; neither may appear in any output.
  const canaries = [`drift-canary-${randomBytes(12).toString('hex')}`, `drift-canary-${randomBytes(12).toString('hex')}`];
  const run = (...args: string[]) => execa('node', [KDRILL, ...args], { env: { KDRILL_HOME: home, CI: 'true' }, reject: false });
  const drift = (...args: string[]) => run('drift', '--cluster', 'drift', '--store', store, '--key-file', key, ...args);
  const driftJson = async (...args: string[]) => {
    const result = await drift('--json', ...args);
    expectNoCanary(result.stdout + result.stderr);
    return { exitCode: result.exitCode, stderr: result.stderr, report: JSON.parse(result.stdout) as DriftReport & { drift: boolean } };
  };
  const expectNoCanary = (text: string) => {
    for (const c of canaries) for (const form of [c, Buffer.from(c).toString('base64')]) expect(text.includes(form), 'a secret value reached the output').toBe(false);
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kdrill-drift-'));
    const up = await run('cluster', 'up', '--name', 'drift');
    expect(up.exitCode, up.stderr).toBe(0);
    client = KubeClient.fromFile(up.stdout.trim());
    key = join(home, 'key.json');
    store = join(home, 'store');
    expect((await run('keys', 'create', '--out', key)).exitCode).toBe(0);
    await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await waitFor(async () => (await client.getOptional('/api/v1/namespaces/shop/serviceaccounts/default')) !== undefined);
    await client.create('/api/v1/namespaces/shop/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: canaries[0] } });
    await client.create('/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { mode: 'fast' } });
    await client.create(CRD.replace(/\/widgets\.example\.com$/, ''), widgetCrd({ schema: schema(10) }));
    await waitFor(async () => ((await client.get(CRD)).status as { conditions?: { type: string; status: string }[] })?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true);
    await client.create('/apis/example.com/v1/namespaces/shop/widgets', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } });
    const backup = await run('backup', '--cluster', 'drift', '--store', store, '--key-file', key);
    expect(backup.exitCode, backup.stderr).toBe(0);
  }, 600_000);

  afterAll(async () => {
    client?.close();
    await run('cluster', 'down', '--all');
    await rm(home, { recursive: true, force: true });
  }, 120_000);

  it('finds no drift right after a backup (exit 0), as a table and as JSON', async () => {
    const text = await drift();
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^total drift: 0 \(threshold 0\): no drift over the threshold$/m);
    expect(text.stdout).toMatch(/^Secrets\s+1\s+0\s+0\s+0\s+0$/m);
    const { exitCode, report } = await driftJson();
    expect(exitCode).toBe(0);
    expect(report.counts).toEqual({ crds: 0, rbac: 0, secrets: 0, objects: 0, total: 0 });
    expect(report.crds.compared).toBe(1);
    expect(report.objects.compared).toBeGreaterThan(5);
    expect(report.drift).toBe(false);
  });

  it('detects an added ClusterRoleBinding through effective RBAC (exit 1)', async () => {
    await client.create(`${RBAC}/clusterrolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'sneaky' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'shop' }],
    });
    try {
      const { exitCode, report } = await driftJson();
      expect(exitCode).toBe(1);
      expect(report.counts).toMatchObject({ rbac: 1, total: 1 });
      expect(report.rbac.objects).toEqual({ added: ['ClusterRoleBinding sneaky'], removed: [], changed: [] });
      expect(report.rbac.gained.map((g) => g.subject)).toEqual(['ServiceAccount system:serviceaccount:shop:default']);
      expect(report.rbac.gained[0]!.via).toEqual(['ClusterRoleBinding sneaky → ClusterRole view']);
      // ...within the threshold it is tolerated.
      expect((await drift('--threshold', '1')).exitCode).toBe(0);
    } finally {
      await client.delete(`${RBAC}/clusterrolebindings/sneaky`);
    }
  });

  it('detects a changed CRD schema, naming the version and the path (exit 1)', async () => {
    const crd = await client.get<KubeObject>(CRD);
    const versions = (crd.spec as { versions: { schema: unknown }[] }).versions;
    await client.replace(CRD, { ...crd, spec: { ...(crd.spec as object), versions: versions.map((v) => ({ ...v, schema: { openAPIV3Schema: schema(99) } })) } });
    try {
      const { exitCode, report } = await driftJson();
      expect(exitCode).toBe(1);
      expect(report.counts).toMatchObject({ crds: 1, total: 1 });
      expect(report.crds.drift).toEqual([{ name: 'widgets.example.com', change: 'changed', details: ['schema of v1 differs at properties.spec.properties.size.maximum'] }]);
      const text = await drift();
      expect(text.stdout).toContain('changed widgets.example.com\n    schema of v1 differs at properties.spec.properties.size.maximum');
    } finally {
      const now = await client.get<KubeObject>(CRD);
      await client.replace(CRD, { ...now, spec: { ...(now.spec as object), versions } });
    }
  });

  it('detects a changed Secret value by keyed hash and never prints a value (exit 1)', async () => {
    const path = '/api/v1/namespaces/shop/secrets/db';
    await client.replace(path, { ...(await client.get<KubeObject>(path)), data: { password: Buffer.from(canaries[1]!).toString('base64') } });
    try {
      const { exitCode, report } = await driftJson();
      expect(exitCode).toBe(1);
      expect(report.counts).toMatchObject({ secrets: 1, total: 1 });
      expect(report.secrets.drift).toEqual([{ name: 'shop/db', change: 'changed', keys: { missing: [], added: [], changed: ['password'] } }]);
      const text = await drift('-v');
      expect(text.exitCode).toBe(1);
      expect(text.stdout).toContain('changed Secret shop/db: password changed');
      expectNoCanary(text.stdout + text.stderr);
    } finally {
      await client.replace(path, { ...(await client.get<KubeObject>(path)), data: { password: Buffer.from(canaries[0]!).toString('base64') } });
    }
    expect((await drift()).exitCode).toBe(0);
  });

  it('shows a changed object as a masked diff', async () => {
    const path = '/api/v1/namespaces/shop/configmaps/app';
    await client.replace(path, { ...(await client.get<KubeObject>(path)), data: { mode: 'slow' } });
    try {
      const { exitCode, report } = await driftJson();
      expect(exitCode).toBe(1);
      expect(report.objects.changed.map((c) => c.key)).toEqual(['/ConfigMap/shop/app']);
      expect(report.objects.changed[0]!.diff).toMatch(/^-\s+mode: fast$/m);
      expect(report.objects.changed[0]!.diff).toMatch(/^\+\s+mode: slow$/m);
      expect(report.objects.changed[0]!.diff).toContain('--- backup//ConfigMap/shop/app');
    } finally {
      await client.replace(path, { ...(await client.get<KubeObject>(path)), data: { mode: 'fast' } });
    }
  });

  it('refuses an etcd-snapshot backup with a hint (exit 2), and bad input', async () => {
    const etcd = await run('backup', '--cluster', 'drift', '--store', store, '--key-file', key, '--strategy', 'etcd-snapshot');
    expect(etcd.exitCode, etcd.stderr).toBe(0);
    const refused = await drift('--backup', 'latest');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(`E_BACKUP_UNSUPPORTED: backup ${etcd.stdout.trim().split(' ')[0]} is a etcd-snapshot backup`);
    expect(refused.stderr).toContain('hint: decoding objects out of an etcd snapshot is not supported yet');
    expect((await drift('--threshold', '-1')).exitCode).toBe(2);
    const missing = await drift('--backup', '20200101T000000Z-000000');
    expect(missing.exitCode).toBe(2);
  });
});
