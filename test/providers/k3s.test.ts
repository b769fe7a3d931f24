import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/client.js';
import { k3sProvider } from '../../src/providers/k3s/index.js';
import type { Cluster } from '../../src/providers/types.js';
import { testLogger } from '../support/cluster.js';
import { snapshotRestoreRoundTrip } from './etcd-drill.js';

// Needs a Docker engine that runs privileged containers; elsewhere the suite is skipped with the reason.
const unavailable = await k3sProvider.unavailableReason();
if (unavailable) console.log(`k3s provider tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)(`k3s provider${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let cluster: Cluster;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'kdrill-k3s-it-'));
    cluster = await k3sProvider.create({ name: `it-${randomBytes(3).toString('hex')}`, logger: testLogger() });
  }, 600_000);
  afterAll(async () => {
    await cluster?.destroy();
    await rm(scratch, { recursive: true, force: true });
  }, 120_000);

  it('starts k3s with embedded etcd and reports real versions', async () => {
    expect(cluster.createdByKdrill).toBe(true);
    expect(cluster.components).toEqual(['kube-apiserver']);
    expect(cluster.versions.kubernetes).toMatch(/^v1\.3\d\.\d+\+k3s\d+$/);
    expect(cluster.versions.etcd).toMatch(/^3\.\d+\.\d+/);
    expect((await stat(cluster.kubeconfigPath)).mode & 0o777).toBe(0o600);
    const client = KubeClient.fromFile(cluster.kubeconfigPath);
    try {
      const nodes = await client.listAll('/api/v1/nodes');
      expect(nodes.items).toHaveLength(1);
      expect((await client.raw('/readyz')).status).toBe(200);
    } finally {
      client.close();
    }
  });

  it('restores an etcd snapshot with --cluster-reset: later changes are gone', async () => {
    const result = await snapshotRestoreRoundTrip(cluster, join(scratch, 'snap.db'));
    expect(result.sizeBytes).toBeGreaterThan(100_000);
    expect(result.afterRestore).toBe('before');
    expect(result.lateObject).toBeUndefined();
  }, 900_000);

  it('kill restarts the whole server; stop keeps it down until start', async () => {
    await cluster.killComponent('kube-apiserver');
    await cluster.waitReady(240_000);
    await cluster.stopComponent('kube-apiserver');
    const client = KubeClient.fromFile(cluster.kubeconfigPath);
    try {
      const down = await client.raw('/readyz').then((r) => r.status, () => 0);
      expect(down).not.toBe(200);
    } finally {
      client.close();
    }
    await cluster.startComponent('kube-apiserver');
    await expect(cluster.killComponent('etcd')).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID' });
  }, 600_000);

  it('destroy removes the container and every file', async () => {
    const kubeconfig = cluster.kubeconfigPath;
    await cluster.destroy();
    await cluster.destroy();
    expect(existsSync(kubeconfig)).toBe(false);
  }, 120_000);
});
