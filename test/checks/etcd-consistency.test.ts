import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { damageFixtures, seedEtcdFixtures, type EtcdFixtures } from '../support/etcd-fixtures.js';
import { etcdConsistency as check } from '../../src/checks/etcd-consistency.js';
import { etcdSnapshotStrategy } from '../../src/strategies/etcd-snapshot/index.js';
import type { Cluster } from '../../src/providers/types.js';
import type { CheckOutcome } from '../../src/contracts/types.js';

interface Evidence {
  members: { healthy: boolean; errors: string[] }[];
  hashKv: { stable: boolean; revision: number };
  revision: { current: number; snapshot?: number; behind: boolean };
  keys: { baseline: number; current: number; missing: { items: string[] }; extra: { items: string[] } };
  excludedPrefixes: { prefix: string; why: string }[];
  secretsAtRest: { secrets: number; encrypted: number; providers: Record<string, number> };
  counts: { resource: string; etcdKeys: number; listed?: number; error?: string }[];
  secretsRead: { sampled: number; readable: number; unreadable: { items: { secret: string; error: string }[] }; changed: { items: string[] } };
  memberHashes: { revision: number; members: { endpoint: string; hash?: number }[]; diverging: unknown[] };
  values: { compared: number; equal: number; rewritten: number; changed: { items: string[] }; missing: { items: string[] } };
}

const evidenceOf = (o: CheckOutcome) => o.evidence as unknown as Evidence;

describe('etcd-consistency check', () => {
  let a: TestCluster;
  let ctx: TestContext;
  let fixtures: EtcdFixtures;
  let baseline: unknown;

  beforeAll(async () => {
    a = await startTestCluster({ name: 'etcd-check' });
    ctx = await makeTestContext({ cluster: a.cluster, client: a.client });
    fixtures = await seedEtcdFixtures(a.client, 'chk');
    ctx.canaries.push(...fixtures.secretCanaries, fixtures.configMapCanary);
    baseline = await check.baseline!(ctx, {});
    ctx.backup = await etcdSnapshotStrategy.backup(ctx, {});
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await a?.destroy();
  });

  const expectNoValues = (outcome: CheckOutcome) => {
    const text = JSON.stringify(outcome);
    for (const canary of ctx.canaries) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain(Buffer.from(canary).toString('base64'));
    }
  };

  it('is skipped, with the reason, on a cluster without etcd access', async () => {
    const remote = { name: 'remote', provider: 'kubeconfig', etcd: undefined } as unknown as Cluster;
    const real = ctx.cluster;
    ctx.cluster = remote;
    try {
      const outcome = await check.verify(ctx, {}, baseline);
      expect(outcome).toMatchObject({ status: 'skipped', summary: expect.stringContaining('cluster remote (provider kubeconfig) gives no etcd access') });
    } finally {
      ctx.cluster = real;
    }
  });

  it('passes on the live cluster: members healthy, hashkv stable, keys and counts agree, Secrets encrypted and readable', async () => {
    const outcome = await check.verify(ctx, {}, baseline);
    const ev = evidenceOf(outcome);
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(ev.members).toEqual([expect.objectContaining({ healthy: true, errors: [] })]);
    expect(ev.hashKv.stable).toBe(true);
    expect(ev.revision.current).toBeGreaterThanOrEqual(ctx.backup!.metadata.revision as number);
    expect(ev.keys.baseline).toBeGreaterThan(100);
    expect(ev.excludedPrefixes.map((p) => p.prefix)).toContain('leases/');
    expect(ev.secretsAtRest.encrypted).toBe(ev.secretsAtRest.secrets);
    expect(Object.keys(ev.secretsAtRest.providers)).toEqual(['secretbox:v1:key1']);
    expect(ev.counts.find((c) => c.resource === 'widgets.drill.example.com')).toEqual({ resource: 'widgets.drill.example.com', etcdKeys: 2, listed: 2 });
    expect(ev.counts.find((c) => c.resource === 'secrets')!.etcdKeys).toBeGreaterThanOrEqual(4);
    expect(ev.secretsRead.readable).toBe(ev.secretsRead.sampled);
    expectNoValues(outcome);
  });

  it('fails after objects are deleted and a Secret rewritten, naming the keys and the Secret', async () => {
    await damageFixtures(a.client, fixtures);
    const outcome = await check.verify(ctx, {}, baseline);
    const ev = evidenceOf(outcome);
    expect(outcome.status).toBe('failed');
    const [shop, billing] = fixtures.namespaces;
    expect(ev.keys.missing.items).toEqual(expect.arrayContaining([`secrets/${shop}/db`, `configmaps/${shop}/settings`, `drill.example.com/widgets/${shop}/w1`, `namespaces/${billing}`]));
    expect(ev.secretsRead.changed.items).toEqual([`${shop}/api`]);
    expectNoValues(outcome);
  });

  it('passes again after a correct restore into the same cluster (revision bumped past the snapshot)', async () => {
    await etcdSnapshotStrategy.restore(ctx, ctx.backup!, {});
    const outcome = await check.verify(ctx, {}, baseline);
    const ev = evidenceOf(outcome);
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(ev.revision.current).toBeGreaterThan((ctx.backup!.metadata.revision as number) + 1_000_000_000);
    expect(ev.keys.missing.items).toEqual([]);
    // Values, not only names: every stable key the snapshot held is byte-identical or was written again since.
    expect(ev.values.changed.items).toEqual([]);
    expect(ev.values.equal).toBeGreaterThan(100);
    expect(ev.values.equal + ev.values.rewritten + ev.values.missing.items.length).toBe(ev.values.compared);
    expect(ev.memberHashes.members).toHaveLength(1);
    expect(ev.memberHashes.diverging).toEqual([]);
  });

  it('fails when etcd holds other values than the backup\'s snapshot (an older snapshot restored), naming the keys', async () => {
    const older = ctx.backup!;
    const [shop] = fixtures.namespaces;
    await a.client.apply(`/api/v1/namespaces/${shop}/configmaps/settings`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: shop }, data: { changed: 'after the first backup' } });
    const newer = await etcdSnapshotStrategy.backup(ctx, {});
    try {
      // The classic mistake: the runbook restores yesterday's file while the backup says today's.
      await etcdSnapshotStrategy.restore(ctx, older, {});
      ctx.backup = newer;
      const outcome = await check.verify(ctx, {}, baseline);
      const ev = evidenceOf(outcome);
      expect(outcome.status).toBe('failed');
      expect(ev.values.changed.items).toContain(`configmaps/${shop}/settings`);
      expect(outcome.summary).toMatch(/key\(s\) hold other values than the snapshot although nothing wrote them since the restore/);
      expectNoValues(outcome);
      ctx.backup = older;
      expect(evidenceOf(await check.verify(ctx, {}, baseline)).values.changed.items).toEqual([]);
    } finally {
      ctx.backup = older;
    }
  });

  it('fails after a restore into a fresh cluster without the encryption config, naming the unreadable Secrets', async () => {
    const fresh = await ctx.createFreshCluster('nokeys');
    ctx.useCluster(fresh);
    try {
      const report = await etcdSnapshotStrategy.restore(ctx, ctx.backup!, { restoreMaterial: false });
      expect(report.notes.join('\n')).toContain('restoreMaterial is false');
      // The target cannot decrypt the restored Secrets, so its informers never sync: the API answers, /readyz does not.
      expect(report.notes[0]).toMatch(/^DEGRADED: cluster \S+ serves the API but is not ready \(failing readyz checks: .*informer-sync/);
      const outcome = await check.verify(ctx, {}, baseline);
      const ev = evidenceOf(outcome);
      expect(outcome.status).toBe('failed');
      const unreadable = ev.secretsRead.unreadable.items.map((u) => u.secret);
      expect(unreadable).toEqual(expect.arrayContaining(fixtures.secrets));
      for (const name of fixtures.secrets) expect(outcome.summary + JSON.stringify(ev.secretsRead)).toContain(name);
      expect(ev.counts.find((c) => c.resource === 'secrets')).toMatchObject({ error: expect.stringMatching(/ 429 | 500 /) });
      expect(ev.keys.missing.items).toEqual([]);
      expect(outcome.recommendation).toContain('restoreMaterial: true');
      expectNoValues(outcome);
    } finally {
      ctx.useCluster(a.cluster);
      ctx.client = a.client;
    }
  });
});
