import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDrillContext, type EngineContext } from '../../src/engine/context.js';
import { FileAuditLog } from '../../src/audit/audit-log.js';
import { systemClock } from '../../src/contracts/types.js';
import { createKeyFile, LocalKeyProvider } from '../../src/crypto/local-kms.js';
import { createLocalStore } from '../../src/store/local-store.js';
import { createLocalCluster } from '../../src/providers/local/create.js';
import type { Cluster, ClusterProvider } from '../../src/providers/types.js';
import type { KubeClient } from '../../src/kube/client.js';
import type { BackupStore } from '../../src/store/types.js';
import type { KeyProvider } from '../../src/crypto/types.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { testLogger } from './cluster.js';

export interface TestContext extends EngineContext {
  /** Temp folder with the store (`store/`), key file (`keys/key.json`), reports (`reports/`) and fresh clusters. */
  readonly tempDir: string;
  readonly keyFile: string;
  /** Destroy fresh clusters this context created (not the one passed in) and remove the temp folder. */
  cleanup(): Promise<void>;
}

const minimalScenario: Scenario = {
  apiVersion: 'kdrill.dev/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'test' },
  spec: { backup: { strategy: 'resource-export' }, checks: [{ check: 'state-diff' }] },
};

/** A real DrillContext for plugin tests: local key file + local store in a temp dir, audit log, fresh local clusters on demand. */
export async function makeTestContext(init: {
  cluster: Cluster;
  client?: KubeClient;
  store?: BackupStore;
  keys?: KeyProvider;
  scenario?: Scenario;
}): Promise<TestContext> {
  const tempDir = await mkdtemp(join(tmpdir(), 'kdrill-ctx-'));
  const keyFile = join(tempDir, 'keys', 'key.json');
  await mkdir(join(tempDir, 'keys'), { recursive: true, mode: 0o700 });
  await mkdir(join(tempDir, 'reports'), { recursive: true });
  await mkdir(join(tempDir, 'work'), { recursive: true });
  await createKeyFile(keyFile);
  const keys = init.keys ?? (await LocalKeyProvider.fromFile(keyFile));
  const audit = await FileAuditLog.open(join(tempDir, 'reports', 'audit.jsonl'), { runId: 'test-run' });
  const store = init.store ?? createLocalStore({ root: join(tempDir, 'store'), keys, audit });
  const logger = testLogger();
  const provider: ClusterProvider = {
    id: 'local',
    description: 'test',
    capabilities: { etcd: true, componentControl: true, createsClusters: true },
    optionsSchema: {},
    unavailableReason: async () => undefined,
    create: ({ name }) => createLocalCluster({ name: name ?? 'fresh', home: join(tempDir, 'clusters'), logger }),
  };
  const ctx = createDrillContext({
    runId: 'test-run',
    scenario: init.scenario ?? minimalScenario,
    scenarioDir: process.cwd(),
    logger,
    signal: new AbortController().signal,
    clock: systemClock,
    artifactsDir: join(tempDir, 'reports'),
    workDir: join(tempDir, 'work'),
    provider,
    cluster: init.cluster,
    store,
    keys,
    audit,
  });
  // The passed-in cluster belongs to the test (it destroys it); only fresh ones are ours.
  ctx.ownedClusters.splice(0, ctx.ownedClusters.indexOf(init.cluster) + 1);
  if (init.client) ctx.client = init.client;
  return Object.assign(ctx, {
    tempDir,
    keyFile,
    cleanup: async () => {
      await ctx.release({ keep: false });
      await rm(tempDir, { recursive: true, force: true });
    },
  });
}
