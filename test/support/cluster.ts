import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalCluster } from '../../src/providers/local/create.js';
import type { LocalCluster } from '../../src/providers/local/cluster.js';
import { KubeClient } from '../../src/kube/client.js';
import { createLogger, type Logger } from '../../src/core/logger.js';

export interface TestCluster {
  cluster: LocalCluster;
  client: KubeClient;
  /** Temp folder holding the cluster dir; removed by destroy(). */
  home: string;
  destroy(): Promise<void>;
}

/** Logger for tests: quiet unless KDRILL_TEST_LOG=1. */
export function testLogger(): Logger {
  return createLogger({ level: process.env.KDRILL_TEST_LOG ? 'debug' : 'warn' });
}

/** Start a real local cluster (etcd + kube-apiserver + kube-controller-manager) in a temp dir; call destroy() in afterAll. */
export async function startTestCluster(options: { name?: string; etcdMembers?: number } = {}): Promise<TestCluster> {
  const home = await mkdtemp(join(tmpdir(), 'kdrill-test-'));
  let cluster: LocalCluster;
  try {
    cluster = await createLocalCluster({ name: options.name ?? 'test', home, etcdMembers: options.etcdMembers, logger: testLogger() });
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    throw error;
  }
  const client = KubeClient.fromFile(cluster.kubeconfigPath);
  return {
    cluster,
    client,
    home,
    destroy: async () => {
      client.close();
      await cluster.destroy();
      await rm(home, { recursive: true, force: true });
    },
  };
}
