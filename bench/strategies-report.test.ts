import { describe, expect, it } from 'vitest';
import type { SizeFigures } from './strategies.js';
import { marginalRates, strategiesOutput, verdict } from './strategies-report.js';
import { summarize } from './stats.js';

function size(objects: number, s: { list: number; backup: number; create: number; restore: number }): SizeFigures {
  const etcd = { snapshotBytes: 5e6, etcdctlSaveMBps: summarize([50]), strategySaveMBps: summarize([45]), strategyBackupMBps: summarize([20]), etcdutlRestoreSeconds: 0.1, strategyRestoreSeconds: 5 };
  return {
    objects, meanObjectBytes: 1000, seedCreatePerSec: objects / s.create, rawListPerSec: summarize([(objects + 40) / s.list]), listedObjects: objects + 40,
    rawListSeconds: s.list, backupObjects: objects + 100, backupSeconds: s.backup, backupPerSec: (objects + 100) / s.backup,
    backupVsList: ((objects + 100) / s.backup) / ((objects + 40) / s.list),
    // The fair baseline lists every exported type: a LIST of twice the time here.
    typesListPerSec: summarize([(objects + 140) / (2 * s.list)]), typesListedObjects: objects + 140,
    backupVsTypesList: ((objects + 100) / s.backup) / ((objects + 140) / (2 * s.list)), rawCreateSeconds: s.create, rawCreatePerSec: objects / s.create,
    restoreCreated: objects + 20, restoreSeconds: s.restore, restorePerSec: (objects + 20) / s.restore,
    restoreVsCreate: ((objects + 20) / s.restore) / (objects / s.create), etcd, sectionSeconds: 60,
  };
}

describe('verdict', () => {
  it('says whether the 70% target was met, and by how many points it was missed', () => {
    expect(verdict('1000: backup reaches', 0.82, 'of raw LIST')).toBe('1000: backup reaches 82% of raw LIST (target 70%: met)');
    expect(verdict('10000: restore reaches', 0.58, 'of raw create')).toBe('10000: restore reaches 58% of raw create (target 70%: MISSED by 12 points)');
  });
});

describe('marginalRates', () => {
  it('divides the added objects by the added seconds, so fixed costs cancel out', () => {
    const m = marginalRates([size(1000, { list: 0.1, backup: 2, create: 4, restore: 6 }), size(10000, { list: 0.55, backup: 5, create: 34, restore: 36 })]);
    expect(m!.list).toBeCloseTo(20000, 6);
    expect(m!.backup).toBeCloseTo(3000, 6);
    expect(m!.create).toBeCloseTo(300, 6);
    expect(m!.restore).toBeCloseTo(300, 6);
  });

  it('needs two different sizes', () => {
    expect(marginalRates([size(1000, { list: 1, backup: 1, create: 1, restore: 1 })])).toBeUndefined();
  });
});

describe('strategiesOutput', () => {
  it('puts one column per size, flags missed targets and an over-budget section', () => {
    const slow = { ...size(10000, { list: 0.5, backup: 20, create: 30, restore: 60 }), sectionSeconds: 400 };
    const out = strategiesOutput([size(1000, { list: 0.1, backup: 0.2, create: 3, restore: 3.5 }), slow], { sizes: [1000, 10000], parallelism: 16, fsync: true });
    expect(out.tables[0]!.columns).toEqual(['figure', '1000 objects', '10000 objects']);
    expect(out.tables).toHaveLength(3);
    expect(out.notes).toContain("10000: backup reaches 5% of a raw LIST of the backup's resource types (target 70%: MISSED by 65 points)");
    expect(out.notes).toContain('10000: the section took 400 s, over the 300 s budget');
    expect(out.notes[0]).toMatch(/etcd ran with fsync/);
  });
});
