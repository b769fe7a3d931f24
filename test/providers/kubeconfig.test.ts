import { readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { silentLogger } from '../../src/core/logger.js';
import { KubeClient } from '../../src/kube/client.js';
import { kubeconfigProvider } from '../../src/providers/kubeconfig.js';
import type { KubeconfigDoc } from '../../src/providers/kubeconfig-file.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

// A real local control plane; the kubeconfig provider must read it, report its version, and leave it running.
describe('kubeconfig provider against a real cluster', () => {
  let test: TestCluster;

  beforeAll(async () => {
    test = await startTestCluster({ name: 'kubeconfig-provider' });
  });
  afterAll(async () => {
    await test?.destroy();
  });

  it('opens the current context, reports the real version, and destroy() leaves the cluster untouched', async () => {
    const cluster = await kubeconfigProvider.create({ options: { path: test.cluster.kubeconfigPath }, logger: silentLogger });
    expect(cluster.createdByKdrill).toBe(false);
    expect(cluster.components).toEqual([]);
    expect(cluster.kubeconfigPath).toBe(test.cluster.kubeconfigPath);
    expect(cluster.versions.kubernetes).toBe(test.cluster.versions.kubernetes);
    expect(cluster.versions.kubernetes).toMatch(/^v1\.\d+\.\d+/);
    await cluster.waitReady(30_000);
    await expect(cluster.killComponent('kube-apiserver')).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID' });

    await cluster.destroy();
    await cluster.destroy();
    const after = await test.client.raw('/readyz');
    expect(after.status).toBe(200);
    expect(existsSync(test.cluster.kubeconfigPath)).toBe(true);
  });

  it('pins a non-current context in a private copy, which destroy() removes', async () => {
    const doc = parse(await readFile(test.cluster.kubeconfigPath, 'utf8')) as KubeconfigDoc;
    const original = doc.contexts?.[0];
    if (!original) throw new Error('test kubeconfig has no context');
    const twoContexts = { ...doc, contexts: [original, { ...original, name: 'second' }] };
    const file = join(test.home, 'two-contexts.yaml');
    await writeFile(file, stringify(twoContexts), { mode: 0o600 });

    const cluster = await kubeconfigProvider.create({ options: { path: file, context: 'second' }, logger: silentLogger });
    expect(cluster.name).toBe('second');
    expect(cluster.kubeconfigPath).not.toBe(file);
    expect((await stat(cluster.kubeconfigPath)).mode & 0o777).toBe(0o600);
    const pinned = parse(await readFile(cluster.kubeconfigPath, 'utf8')) as KubeconfigDoc;
    expect(pinned['current-context']).toBe('second');

    const client = KubeClient.fromFile(cluster.kubeconfigPath);
    try {
      const ns = await client.get<{ metadata: { name: string } }>('/api/v1/namespaces/default');
      expect(ns.metadata.name).toBe('default');
    } finally {
      client.close();
    }
    await cluster.destroy();
    expect(existsSync(cluster.kubeconfigPath)).toBe(false);
    expect(existsSync(file)).toBe(true);
  });
});
