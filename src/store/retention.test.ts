import { describe, expect, it } from 'vitest';
import { applyRetention, isoWeek } from './retention.js';

/** 60 backups: one a day at 03:00 UTC from 2026-10-03 to 2026-11-30, and a second, earlier one on 2026-11-28. */
function history(): Array<{ id: string; createdAt: string }> {
  const days = Array.from({ length: 59 }, (_, i) => new Date(Date.UTC(2026, 10, 30, 3) - i * 86_400_000));
  const times = [...days, new Date(Date.UTC(2026, 10, 28, 1))];
  return times.map((t) => ({ id: `${t.toISOString().replace(/[-:]|\.\d+/g, '')}-000000`, createdAt: t.toISOString() }));
}

const kept = (decisions: ReturnType<typeof applyRetention>) => Object.fromEntries(decisions.filter((d) => d.keep).map((d) => [d.createdAt.slice(0, 16), d.reasons]));

describe('applyRetention', () => {
  it('keeps exactly what a restic-style policy says on a 60-backup history', () => {
    const backups = history();
    expect(backups).toHaveLength(60);
    const decisions = applyRetention(backups, { last: 2, daily: 5, weekly: 3, monthly: 2 }, new Date('2026-11-30T04:00:00Z'));
    // 2026-11-30 is a Monday (ISO week 49); the 29th and 22nd are the Sundays that close weeks 48 and 47.
    expect(kept(decisions)).toEqual({
      '2026-11-30T03:00': ['newest', 'last', 'daily', 'weekly', 'monthly'],
      '2026-11-29T03:00': ['last', 'daily', 'weekly'],
      '2026-11-28T03:00': ['daily'],
      '2026-11-27T03:00': ['daily'],
      '2026-11-26T03:00': ['daily'],
      '2026-11-22T03:00': ['weekly'],
      '2026-10-31T03:00': ['monthly'],
    });
    expect(decisions.filter((d) => !d.keep)).toHaveLength(53);
    // The earlier backup of the 28th loses to the later one of the same day.
    expect(decisions.find((d) => d.createdAt === '2026-11-28T01:00:00.000Z')).toMatchObject({ keep: false, reasons: [] });
    expect(decisions.map((d) => d.createdAt)).toEqual([...decisions.map((d) => d.createdAt)].sort().reverse());
  });

  it('keeps every backup younger than min-age, and always the newest', () => {
    const decisions = applyRetention(history(), { last: 1, minAgeMs: 60 * 3_600_000 }, new Date('2026-11-30T04:00:00Z'));
    expect(kept(decisions)).toEqual({
      '2026-11-30T03:00': ['newest', 'last', 'min-age'],
      '2026-11-29T03:00': ['min-age'],
      '2026-11-28T03:00': ['min-age'],
      '2026-11-28T01:00': ['min-age'],
    });
    expect(kept(applyRetention(history().slice(5, 59), {}, new Date('2026-11-30T04:00:00Z')))).toEqual({ '2026-11-25T03:00': ['newest'] });
  });

  it('counts only days, weeks and months that have backups', () => {
    const sparse = ['2026-01-05T10:00:00Z', '2025-06-01T10:00:00Z', '2024-02-29T10:00:00Z'].map((createdAt, i) => ({ id: `b${i}`, createdAt }));
    expect(applyRetention(sparse, { daily: 3 }, new Date('2026-02-01T00:00:00Z')).map((d) => d.keep)).toEqual([true, true, true]);
    expect(applyRetention(sparse, { monthly: 2 }, new Date('2026-02-01T00:00:00Z')).map((d) => d.keep)).toEqual([true, true, false]);
  });

  it('numbers ISO weeks across year ends in UTC', () => {
    expect(isoWeek(new Date('2027-01-01T12:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(isoWeek(new Date('2026-11-29T23:59:59Z'))).toBe('2026-W48');
    expect(isoWeek(new Date('2026-11-30T00:00:00Z'))).toBe('2026-W49');
  });
});
