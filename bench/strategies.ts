import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from '../src/core/cleanup.js';
import { KdrillError } from '../src/core/errors.js';
import { KubeClient } from '../src/kube/client.js';
import { createLocalCluster } from '../src/providers/local/create.js';
import type { LocalCluster } from '../src/providers/local/cluster.js';
import { STRATEGIES } from '../src/strategies/registry.js';
import { makeTestContext, type TestContext } from '../test/support/context.js';
import { testLogger } from '../test/support/cluster.js';
import { measureEtcd, type EtcdFigures } from './etcd.js';
import { listBackupTypes, benchNamespaces, benchObjects, countBenchObjects, createObjects, deleteNamespaces, listObjects, meanJsonBytes } from './objects.js';
import type { SuiteOutput } from './results.js';
import { elapsedMs, perSecond, ratio, summarize, type Summary } from './stats.js';
import { strategiesOutput } from './strategies-report.js';

/** What one object count measured: rates in objects/s, ratios as fractions of the raw baseline. */
export interface SizeFigures {
  objects: number;
  meanObjectBytes: number;
  seedCreatePerSec: number;
  rawListPerSec: Summary;
  /** Objects one raw LIST returned (every ConfigMap and Secret, the cluster's own included). */
  listedObjects: number;
  rawListSeconds: number;
  backupObjects: number;
  backupSeconds: number;
  backupPerSec: number;
  backupVsList: number;
  /** The fair baseline: a raw LIST of every resource type the backup exports (same client, same parallelism). */
  typesListPerSec: Summary;
  typesListedObjects: number;
  backupVsTypesList: number;
  rawCreateSeconds: number;
  rawCreatePerSec: number;
  restoreCreated: number;
  restoreSeconds: number;
  restorePerSec: number;
  restoreVsCreate: number;
  etcd: EtcdFigures;
  /** Wall time of this size's whole section, seeding and namespace deletions included. */
  sectionSeconds: number;
}

export interface StrategiesBenchOptions {
  sizes: number[];
  parallelism: number;
  fsync: boolean;
}

const NAMESPACES = benchNamespaces(10);
const LIST_RUNS = 3;
const ETCD_RUNS = 5;

/** Runs every size on one local cluster (binaries cached), then destroys it, even on failure. */
export async function runStrategiesBench(options: StrategiesBenchOptions): Promise<SuiteOutput> {
  const home = await mkdtemp(join(tmpdir(), 'kdrill-bench-strategies-'));
  const dropHome = onCleanup(() => rm(home, { recursive: true, force: true }));
  let cluster: LocalCluster | undefined;
  let client: KubeClient | undefined;
  let ctx: TestContext | undefined;
  let dropContext: () => void = () => undefined;
  try {
    cluster = await createLocalCluster({ name: 'bench-strategies', home, fsync: options.fsync, logger: testLogger() });
    client = KubeClient.fromFile(cluster.kubeconfigPath);
    ctx = await makeTestContext({ cluster, client });
    // The context's temp dir (store, keys) must go on Ctrl-C too; cleanup is safe to run twice.
    const context = ctx;
    dropContext = onCleanup(() => context.cleanup());
    const figures: SizeFigures[] = [];
    for (const size of options.sizes) figures.push(await measureSize(ctx, cluster, client, size, options.parallelism));
    return strategiesOutput(figures, options);
  } finally {
    await ctx?.cleanup();
    dropContext();
    client?.close();
    await cluster?.destroy();
    await rm(home, { recursive: true, force: true });
    dropHome();
  }
}

/** Runs `list` `runs` times one after another: each run's milliseconds, and the object count of the last. */
async function timedRuns(runs: number, list: () => Promise<number>): Promise<{ ms: number[]; count: number }> {
  const ms: number[] = [];
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    count = await list();
    ms.push(elapsedMs(t0));
  }
  return { ms, count };
}

async function measureSize(ctx: TestContext, cluster: LocalCluster, client: KubeClient, size: number, parallelism: number): Promise<SizeFigures> {
  const started = performance.now();
  const say = (what: string) => process.stderr.write(`  [${size}] ${what} (${(elapsedMs(started) / 1000).toFixed(0)} s)\n`);
  const objects = benchObjects(size, NAMESPACES);
  const seedMs = await timed(() => createObjects(client, NAMESPACES, objects, parallelism));
  say(`seeded ${size} objects`);
  const { ms: listed, count: listedObjects } = await timedRuns(LIST_RUNS, () => listObjects(client));
  const { ms: typesListed, count: typesListedObjects } = await timedRuns(LIST_RUNS, () => listBackupTypes(client));
  const t0 = performance.now();
  const backup = await STRATEGIES['resource-export']!.backup(ctx, {});
  const backupMs = elapsedMs(t0);
  const backupObjects = Number(backup.metadata.total ?? 0);
  say(`backup of ${backupObjects} objects in ${(backupMs / 1000).toFixed(1)} s`);
  await deleteNamespaces(client, NAMESPACES);
  const createMs = await timed(() => createObjects(client, NAMESPACES, objects, parallelism));
  say('raw create done');
  await deleteNamespaces(client, NAMESPACES);
  const t1 = performance.now();
  const report = await STRATEGIES['resource-export']!.restore(ctx, backup, { parallelism });
  const restoreMs = elapsedMs(t1);
  await expectBenchObjects(client, size, 'after the resource-export restore');
  say(`restore in ${(restoreMs / 1000).toFixed(1)} s`);
  const etcd = await measureEtcd(ctx, cluster, ETCD_RUNS);
  await expectBenchObjects(client, size, 'after the etcd-snapshot restore');
  say('etcd snapshots and restore done');
  await deleteNamespaces(client, NAMESPACES);
  const rawList = summarize(listed.map((ms) => perSecond(listedObjects, ms)));
  const typesList = summarize(typesListed.map((ms) => perSecond(typesListedObjects, ms)));
  const created = report.counts.created ?? 0;
  return {
    objects: size,
    meanObjectBytes: Math.round(meanJsonBytes(objects)),
    seedCreatePerSec: perSecond(size, seedMs),
    rawListPerSec: rawList,
    listedObjects,
    rawListSeconds: summarize(listed).median / 1000,
    backupObjects,
    backupSeconds: backupMs / 1000,
    backupPerSec: perSecond(backupObjects, backupMs),
    backupVsList: ratio(perSecond(backupObjects, backupMs), rawList.median),
    typesListPerSec: typesList,
    typesListedObjects,
    // Objects/s against objects/s: the backup skips a few objects (the apiserver's own) the LIST returns.
    backupVsTypesList: ratio(perSecond(backupObjects, backupMs), typesList.median),
    rawCreateSeconds: createMs / 1000,
    rawCreatePerSec: perSecond(size, createMs),
    restoreCreated: created,
    restoreSeconds: restoreMs / 1000,
    restorePerSec: perSecond(created, restoreMs),
    restoreVsCreate: ratio(perSecond(created, restoreMs), perSecond(size, createMs)),
    etcd,
    sectionSeconds: elapsedMs(started) / 1000,
  };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return elapsedMs(t0);
}

/** A figure about objects that are not there would be a lie: check the count after each restore. */
async function expectBenchObjects(client: KubeClient, expected: number, when: string): Promise<void> {
  const found = await countBenchObjects(client);
  if (found !== expected) {
    throw new KdrillError('E_INTERNAL', `bench: ${found} of ${expected} benchmark objects present ${when}`, {
      hint: 'the restore lost objects: run the integration tests of that strategy',
    });
  }
}
