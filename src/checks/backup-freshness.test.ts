import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DrillContext } from '../contracts/types.js';
import { storeFixture } from '../store/fixtures/store-fixture.js';
import { createLocalStore } from '../store/local-store.js';
import type { BackupStore } from '../store/types.js';
import { backupFreshness } from './backup-freshness.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T00:00:00.000Z');

describe('backup-freshness against a real local store', () => {
  let fx: Awaited<ReturnType<typeof storeFixture>>;
  let store: BackupStore;
  let writeAt: number;
  beforeEach(async () => {
    fx = await storeFixture();
    store = createLocalStore({ root: fx.root, keys: fx.keys, audit: fx.audit, now: () => new Date(writeAt) });
  });
  afterEach(() => fx.cleanup());

  const backupAt = async (at: number) => {
    writeAt = at;
    const writer = await store.create({ strategy: 'resource-export', cluster: { name: 'prod', provider: 'kubeconfig', kubernetesVersion: 'v1.37.2' } });
    await writer.put('index.json', Buffer.from('{}'));
    await writer.put('resources/core/v1/secrets.json', Buffer.from('[]'), { sealed: true });
    return writer.commit({});
  };
  const verify = (now: number, rpo: string | undefined, options: Record<string, unknown> = {}) => {
    const ctx = { store, clock: { now: () => now }, scenario: { spec: { objectives: rpo ? { rpo } : {} } } } as unknown as DrillContext;
    return backupFreshness.verify(ctx, options, undefined);
  };

  it('passes while the newest backup is within the RPO objective, and fails with its id, age and the objective after', async () => {
    await backupAt(T0);
    const newest = await backupAt(T0 + 20 * HOUR);
    const fresh = await verify(T0 + 30 * HOUR, '24h');
    expect(fresh.status).toBe('passed');
    expect(fresh.summary).toBe(`newest restorable backup ${newest.id} is 10h old (objective 24h)`);
    const stale = await verify(T0 + 46 * HOUR, '24h');
    expect(stale.status).toBe('failed');
    expect(stale.summary).toBe(`newest restorable backup ${newest.id} is 26h old, over the objective of 24h`);
    expect(stale.evidence).toMatchObject({ backup: newest.id, age: '26h', ageMs: 26 * HOUR, objective: '24h', skipped: [] });
    // maxAge overrides the scenario's objective.
    expect((await verify(T0 + 46 * HOUR, '24h', { maxAge: '30h' })).status).toBe('passed');
  });

  it('does not count a newer backup that cannot be restored, and says why', async () => {
    const good = await backupAt(T0);
    const broken = await backupAt(T0 + HOUR);
    const edited = await backupAt(T0 + 2 * HOUR);
    await writeFile(join(fx.root, broken.id, 'manifest.json'), '{"formatVersion":1');
    const manifest = JSON.parse(await readFile(join(fx.root, edited.id, 'manifest.json'), 'utf8')) as { metadata: object };
    await writeFile(join(fx.root, edited.id, 'manifest.json'), JSON.stringify({ ...manifest, metadata: { forged: true } }));
    const outcome = await verify(T0 + 3 * HOUR, '90m');
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toBe(`newest restorable backup ${good.id} is 3h old, over the objective of 90m`);
    const skipped = (outcome.evidence as { skipped: string[] }).skipped;
    expect(skipped.map((s) => s.split(':')[0])).toEqual([edited.id, broken.id]);
    expect(skipped[1]).toBe(`${broken.id}: its manifest cannot be read`);
  });

  it('fails on an empty store, and errors on a store that does not exist or without an objective', async () => {
    await expect(verify(T0, '1h')).rejects.toMatchObject({ code: 'E_STORE' });
    await mkdir(fx.root, { recursive: true });
    expect((await verify(T0, '1h')).summary).toMatch(/^no restorable backup in /);
    expect((await verify(T0, '1h')).status).toBe('failed');
    expect(await verify(T0, undefined)).toEqual({ status: 'error', summary: 'no objective to compare with: set spec.objectives.rpo or the maxAge option of backup-freshness' });
  });
});
