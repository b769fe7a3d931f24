/**
 * Restic-style retention: a backup is kept when any rule keeps it. `last` keeps the N newest; `daily`, `weekly` and
 * `monthly` keep the newest backup of each of the N newest days (weeks, months) that have backups. Calendar buckets are
 * UTC, weeks are ISO weeks. The newest backup is always kept, and so is any backup younger than `minAgeMs`.
 */
export interface RetentionPolicy {
  last?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  /** Never delete a backup younger than this (milliseconds). */
  minAgeMs?: number;
}

export type KeepReason = 'newest' | 'last' | 'daily' | 'weekly' | 'monthly' | 'min-age';

export interface RetentionDecision {
  id: string;
  createdAt: string;
  keep: boolean;
  /** Every rule that keeps it; empty for a backup to delete. */
  reasons: KeepReason[];
}

const RULES = ['last', 'daily', 'weekly', 'monthly'] as const;
type Rule = (typeof RULES)[number];

const BUCKET: Record<Rule, (time: Date, index: number) => string> = {
  last: (_time, index) => String(index),
  daily: (time) => time.toISOString().slice(0, 10),
  weekly: (time) => isoWeek(time),
  monthly: (time) => time.toISOString().slice(0, 7),
};

/** Decides every backup (newest first in the result); pure, so the policy is tested without a store. */
export function applyRetention(backups: Array<{ id: string; createdAt: string }>, policy: RetentionPolicy, now: Date): RetentionDecision[] {
  const sorted = [...backups].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  const state = RULES.map((rule) => ({ rule, left: policy[rule] ?? 0, last: undefined as string | undefined }));
  return sorted.map((backup, index) => {
    const time = new Date(backup.createdAt);
    const reasons: KeepReason[] = index === 0 ? ['newest'] : [];
    for (const bucket of state) {
      if (bucket.left <= 0) continue;
      const value = BUCKET[bucket.rule](time, index);
      if (value === bucket.last) continue;
      bucket.last = value;
      bucket.left -= 1;
      reasons.push(bucket.rule);
    }
    if (policy.minAgeMs !== undefined && now.getTime() - time.getTime() < policy.minAgeMs) reasons.push('min-age');
    return { id: backup.id, createdAt: backup.createdAt, keep: reasons.length > 0, reasons };
  });
}

/** True when at least one keep rule is set (a policy of none would delete all but the newest). */
export function hasKeepRule(policy: RetentionPolicy): boolean {
  return RULES.some((rule) => (policy[rule] ?? 0) > 0);
}

/** `2026-W48`: the ISO 8601 week-numbering year and week of a UTC time. */
export function isoWeek(time: Date): string {
  const day = new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  // The Thursday of this week decides the year.
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
