import { readFile, readdir, rm, stat, truncate, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { damageFixtures, fixtureState, seedEtcdFixtures, type EtcdFixtures } from '../support/etcd-fixtures.js';
import { grepDir } from '../support/wait.js';
import { etcdSnapshotStrategy as strategy } from '../../src/strategies/etcd-snapshot/index.js';
import { etcdConsistency } from '../../src/checks/etcd-consistency.js';
import { isAlive } from '../../src/providers/local/process.js';
import { createLocalStore } from '../../src/store/local-store.js';
import type { BackupManifest } from '../../src/store/types.js';
import type { Cluster, ClusterSecretsMaterial } from '../../src/providers/types.js';
import type { SnapshotMetadata } from '../../src/strategies/etcd-snapshot/layout.js';
import { SEAL_OVERHEAD } from '../../src/crypto/envelope.js';

const BULK_CONFIGMAPS = 400;

describe('etcd-snapshot strategy', () => {
  let a: TestCluster;
  let ctx: TestContext;
  let fixtures: EtcdFixtures;
  let baseline: Record<string, string>;
  let checkBaseline: unknown;
  let backup: BackupManifest;
  const figures: Record<string, number> = {};

  beforeAll(async () => {
    a = await startTestCluster({ name: 'etcd-snap' });
    ctx = await makeTestContext({ cluster: a.cluster, client: a.client });
    fixtures = await seedEtcdFixtures(a.client, 'snap', BULK_CONFIGMAPS);
    ctx.canaries.push(...fixtures.secretCanaries, fixtures.configMapCanary);
    baseline = await fixtureState(a.client, fixtures);
    checkBaseline = await etcdConsistency.baseline!(ctx, {});
  });
  afterAll(async () => {
    console.info('etcd-snapshot figures', JSON.stringify(figures));
    await ctx?.cleanup();
    await a?.destroy();
  });

  const needles = () => [...ctx.canaries, ...ctx.canaries.map((c) => Buffer.from(c).toString('base64'))];
  const pidsOf = (t: { state: { pids: Record<string, number | undefined> } }) => ({ ...t.state.pids });

  it('backs up a checked snapshot, sealed, with the secrets material, and leaks no canary', async () => {
    expect(strategy.unsupportedReason!(a.cluster)).toBeUndefined();
    backup = await strategy.backup(ctx, {});
    const meta = backup.metadata as unknown as SnapshotMetadata;
    expect(meta.revision).toBeGreaterThan(100);
    expect(meta.totalKeys).toBeGreaterThan(BULK_CONFIGMAPS);
    expect(meta.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.sealed).toBe(true);
    expect(meta.kubernetesVersion).toBe(a.cluster.versions.kubernetes);
    expect(meta.etcdVersion).toBe(a.cluster.versions.etcd);
    expect([...meta.material].sort()).toEqual(['caCertPath', 'caKeyPath', 'encryptionConfigPath', 'serviceAccountKeyPath', 'serviceAccountPublicKeyPath']);
    expect(backup.artifacts.every((x) => x.sealed)).toBe(true);
    const snap = backup.artifacts.find((x) => x.name === 'etcd/snapshot.db')!;
    expect(snap.size).toBe(meta.sizeBytes + SEAL_OVERHEAD);
    expect(meta.sizeBytes % 512).toBe(32);
    expect(meta.snapshotMBps).toBeGreaterThan(0);
    Object.assign(figures, { snapshotBytes: meta.sizeBytes, snapshotMs: meta.durations.snapshotMs, snapshotMBps: meta.snapshotMBps, storeMBps: meta.storeMBps, backupTotalMs: meta.durations.totalMs });
    expect(await grepDir(ctx.store.describe(), needles())).toEqual([]);
    const audit = await readFile(ctx.audit.path!, 'utf8');
    expect(audit).toContain(`"subject":"${backup.id}/etcd/snapshot.db"`);
    expect(await readdir(ctx.workDir)).toEqual([]);
  });

  it('leaves ConfigMap contents readable in an unsealed snapshot (what sealSnapshot protects), Secrets still encrypted', async () => {
    const root = join(ctx.tempDir, 'unsealed-store');
    const sealedStore = ctx.store;
    ctx.store = createLocalStore({ root, keys: ctx.keys });
    try {
      const plain = await strategy.backup(ctx, { sealSnapshot: false });
      expect(plain.artifacts.find((x) => x.name === 'etcd/snapshot.db')!.sealed).toBe(false);
      expect(plain.artifacts.filter((x) => x.name.startsWith('material/')).every((x) => x.sealed)).toBe(true);
      const hits = await grepDir(root, [fixtures.configMapCanary, ...fixtures.secretCanaries]);
      expect(hits).toEqual([expect.stringMatching(/snapshot\.db: needle #0$/)]);
    } finally {
      ctx.store = sealedStore;
      await rm(root, { recursive: true, force: true });
    }
  });

  it('backs up through etcdctl when the provider has no snapshot method but gives etcd access', async () => {
    const bare = Object.create(a.cluster, { takeEtcdSnapshot: { value: undefined } }) as Cluster;
    expect(bare.etcd?.endpoints).toEqual(a.cluster.etcd.endpoints);
    ctx.cluster = bare;
    try {
      const viaEtcdctl = await strategy.backup(ctx, {});
      const meta = viaEtcdctl.metadata as unknown as SnapshotMetadata;
      expect(meta.revision).toBeGreaterThanOrEqual((backup.metadata as unknown as SnapshotMetadata).revision);
      expect(meta.totalKeys).toBeGreaterThan(BULK_CONFIGMAPS);
      expect(meta.sizeBytes % 512).toBe(32);
    } finally {
      ctx.cluster = a.cluster;
    }
  });

  it('restores into the same cluster: deleted and changed objects come back, temp files are 0600 and removed', async () => {
    await damageFixtures(a.client, fixtures);
    expect(await fixtureState(a.client, fixtures)).not.toEqual(baseline);
    const seen: { mode: number; material: Record<string, number> }[] = [];
    const original = a.cluster.restoreEtcdSnapshot.bind(a.cluster);
    a.cluster.restoreEtcdSnapshot = async (path: string, material?: ClusterSecretsMaterial) => {
      const modes: Record<string, number> = {};
      for (const [field, file] of Object.entries(material ?? {})) modes[field] = (await stat(file as string)).mode & 0o777;
      seen.push({ mode: (await stat(path)).mode & 0o777, material: modes });
      return original(path, material);
    };
    try {
      const started = Date.now();
      const report = await strategy.restore(ctx, backup, {});
      figures.restoreSameSeconds = (Date.now() - started) / 1000;
      expect(report.counts).toEqual({ keys: backup.metadata.totalKeys });
      expect(report.notes[0]).toContain(`restored etcd revision ${backup.metadata.revision as number}`);
    } finally {
      delete (a.cluster as { restoreEtcdSnapshot?: unknown }).restoreEtcdSnapshot;
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]!.mode).toBe(0o600);
    expect(Object.keys(seen[0]!.material).sort()).toEqual(['caCertPath', 'caKeyPath', 'encryptionConfigPath', 'serviceAccountKeyPath', 'serviceAccountPublicKeyPath']);
    expect(Object.values(seen[0]!.material).every((m) => m === 0o600)).toBe(true);
    expect(await fixtureState(a.client, fixtures)).toEqual(baseline);
    expect(await readdir(ctx.workDir)).toEqual([]);
    const actions = (await readFile(ctx.audit.path!, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { action: string; details: { ok?: boolean } });
    expect(actions.filter((e) => e.action.startsWith('restore.')).map((e) => e.action)).toEqual(['restore.start', 'restore.apply', 'restore.finish']);
    expect(actions.at(-1)!.details.ok).toBe(true);
  });

  it('restores into a fresh cluster: the same objects there, and etcd-consistency passes', async () => {
    const fresh = await ctx.createFreshCluster('restore');
    ctx.useCluster(fresh);
    try {
      expect(await fixtureState(ctx.client, fixtures)).toEqual({});
      const started = Date.now();
      await strategy.restore(ctx, backup, {});
      figures.restoreFreshSeconds = (Date.now() - started) / 1000;
      expect(await fixtureState(ctx.client, fixtures)).toEqual(baseline);
      ctx.backup = backup;
      const outcome = await etcdConsistency.verify(ctx, {}, checkBaseline);
      expect(outcome.summary).not.toBe('');
      expect(outcome.status, JSON.stringify(outcome.evidence)).toBe('passed');
    } finally {
      ctx.useCluster(a.cluster);
      ctx.client = a.client;
    }
  });

  it('refuses a snapshot with one flipped byte (E_BACKUP_CORRUPT) without stopping the cluster', async () => {
    const damaged = await strategy.backup(ctx, {});
    const file = join(ctx.store.describe(), damaged.id, 'etcd/snapshot.db');
    const handle = await open(file, 'r+');
    const middle = Math.floor((await handle.stat()).size / 2);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, middle);
    await handle.write(Buffer.from([byte[0]! ^ 0x01]), 0, 1, middle);
    await handle.close();
    const before = pidsOf(a.cluster);
    await expect(strategy.restore(ctx, damaged, {})).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });
    expectStillServing(before);
    expect(await a.client.getOptional(`/api/v1/namespaces/${fixtures.namespaces[0]}`)).toBeDefined();
    expect(await readdir(ctx.workDir)).toEqual([]);
  });

  it('refuses a truncated stored snapshot, and a truncated snapshot stored intact, before stopping the cluster', async () => {
    const cut = await strategy.backup(ctx, {});
    const file = join(ctx.store.describe(), cut.id, 'etcd/snapshot.db');
    await truncate(file, (await stat(file)).size - 4096);
    const before = pidsOf(a.cluster);
    await expect(strategy.restore(ctx, cut, {})).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: expect.stringMatching(/truncated|bytes/) });
    expectStillServing(before);

    // A snapshot cut short before it was stored: the store's hashes match, only the snapshot's own checks can tell.
    const raw = join(ctx.tempDir, 'short.db');
    await a.cluster.takeEtcdSnapshot(raw);
    await truncate(raw, (await stat(raw)).size - 4096);
    const writer = await ctx.store.create({ strategy: 'etcd-snapshot', cluster: backup.cluster });
    await writer.putFile('etcd/snapshot.db', raw, { sealed: true });
    const short = await writer.commit({});
    await expect(strategy.restore(ctx, short, {})).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: expect.stringContaining('etcd snapshot is unusable') });
    expectStillServing(before);
    await writeFile(raw, '');
  });

  function expectStillServing(before: Record<string, number | undefined>): void {
    expect(pidsOf(a.cluster)).toEqual(before);
    expect(Object.values(before).every((pid) => pid !== undefined && isAlive(pid))).toBe(true);
  }
});
