import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/providers/command.js';
import { KubeClient } from '../../src/kube/client.js';
import { kindProvider } from '../../src/providers/kind/index.js';
import type { Cluster } from '../../src/providers/types.js';
import { testLogger } from '../support/cluster.js';
import { snapshotRestoreRoundTrip } from './etcd-drill.js';

// Needs the kind CLI and a Docker engine; elsewhere the suite is skipped with the reason.
const unavailable = await kindProvider.unavailableReason();
if (unavailable) console.log(`kind provider tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)(`kind provider${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const name = `kdrill-it-${randomBytes(3).toString('hex')}`;
  let cluster: Cluster;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'kdrill-kind-it-'));
    cluster = await kindProvider.create({ name, logger: testLogger() });
  }, 900_000);
  afterAll(async () => {
    await cluster?.destroy();
    await rm(scratch, { recursive: true, force: true });
  }, 300_000);

  it('creates the cluster with its own kubeconfig, real versions and PKI copies', async () => {
    expect(cluster.createdByKdrill).toBe(true);
    expect(cluster.components).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager']);
    expect(cluster.versions.kubernetes).toMatch(/^v1\.\d+\.\d+/);
    expect(cluster.versions.etcd).toMatch(/^3\.\d+\.\d+$/);
    expect((await stat(cluster.kubeconfigPath)).mode & 0o777).toBe(0o600);
    for (const file of Object.values(cluster.secretsMaterial ?? {})) expect((await stat(file)).mode & 0o777).toBe(0o600);
    const client = KubeClient.fromFile(cluster.kubeconfigPath);
    try {
      const pods = await client.listAll('/api/v1/namespaces/kube-system/pods', { labelSelector: 'component=etcd' });
      expect(pods.items.map((p) => p.metadata.name)).toEqual([`etcd-${name}-control-plane`]);
    } finally {
      client.close();
    }
  });

  it('restores an etcd snapshot into a new data dir: later changes are gone', async () => {
    const result = await snapshotRestoreRoundTrip(cluster, join(scratch, 'snap.db'));
    expect(result.sizeBytes).toBeGreaterThan(100_000);
    expect(result.afterRestore).toBe('before');
    expect(result.lateObject).toBeUndefined();
    const { stdout } = await runCommand({ file: 'docker', args: ['exec', `${name}-control-plane`, 'cat', '/etc/kubernetes/manifests/etcd.yaml'] });
    expect(stdout).toMatch(/path: \/var\/lib\/etcd-kdrill-\d+/);
  }, 900_000);

  it('stops, starts and kills single components', async () => {
    await cluster.stopComponent('kube-controller-manager');
    await cluster.startComponent('kube-controller-manager');
    await cluster.killComponent('etcd');
    await cluster.waitReady(240_000);
    await cluster.stopComponent('kube-apiserver');
    const client = KubeClient.fromFile(cluster.kubeconfigPath);
    try {
      expect(await client.raw('/readyz').then((r) => r.status, () => 0)).not.toBe(200);
    } finally {
      client.close();
    }
    await cluster.startComponent('kube-apiserver');
  }, 900_000);

  it('destroy deletes the kind cluster and every file', async () => {
    const kubeconfig = cluster.kubeconfigPath;
    await cluster.destroy();
    const { stdout } = await runCommand({ file: 'kind', args: ['get', 'clusters'] });
    expect(stdout.split('\n')).not.toContain(name);
    expect(existsSync(kubeconfig)).toBe(false);
  }, 300_000);
});
