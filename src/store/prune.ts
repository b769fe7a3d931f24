import { describeError } from '../core/errors.js';
import { type KeepReason, type RetentionPolicy, applyRetention } from './retention.js';
import type { BackupLock, BackupStore, PartialBackup } from './types.js';

/** Partial backups (never committed) younger than this may still be being written. */
export const PARTIAL_GRACE_MS = 86_400_000;

/** One committed backup in a prune plan. */
export interface PruneEntry {
  id: string;
  createdAt: string;
  sizeBytes: number;
  /** `delete` is what --apply removes; the others stay. */
  action: 'keep' | 'delete' | 'kept-by-lock' | 'unverified';
  reasons: KeepReason[];
  lock?: BackupLock;
  /** Why an unverified backup is not judged (it failed to open: forged, damaged, or another key). */
  problem?: string;
}

export interface PrunePartial extends PartialBackup {
  /** `keep`: younger than a day, it may still be being written. */
  action: 'delete' | 'keep' | 'kept-by-lock';
  lock?: BackupLock;
}

export interface PrunePlan {
  store: string;
  backups: PruneEntry[];
  partial: PrunePartial[];
}

/**
 * What a prune would do. Every committed backup is opened first (MAC checked with the store's key): one that does not
 * open is `unverified`, never deleted and never counted by the rules, so a forged "newest" backup cannot push real
 * ones out. Backups the policy drops but Object Lock protects are `kept-by-lock`.
 */
export async function planPrune(store: BackupStore, policy: RetentionPolicy, now: Date): Promise<PrunePlan> {
  const summaries = await store.list();
  const verified: typeof summaries = [];
  const unverified: PruneEntry[] = [];
  for (const summary of summaries) {
    const problem = await store.open(summary.id).then((reader) => reader.close(), (error: unknown) => describeError(error).split('\n')[0]!);
    if (problem === undefined) verified.push(summary);
    else unverified.push({ id: summary.id, createdAt: summary.createdAt, sizeBytes: summary.sizeBytes, action: 'unverified', reasons: [], problem });
  }
  const size = new Map(verified.map((s) => [s.id, s.sizeBytes]));
  const judged: PruneEntry[] = [];
  for (const decision of applyRetention(verified, policy, now)) {
    const entry: PruneEntry = { id: decision.id, createdAt: decision.createdAt, sizeBytes: size.get(decision.id) ?? 0, action: decision.keep ? 'keep' : 'delete', reasons: decision.reasons };
    if (!decision.keep) {
      const lock = await store.lockOf(decision.id);
      if (lock) Object.assign(entry, { action: 'kept-by-lock', lock });
    }
    judged.push(entry);
  }
  const partial: PrunePartial[] = [];
  for (const p of await store.listPartial()) {
    const lock = isStale(p, now) ? await store.lockOf(p.id, { partial: true }) : undefined;
    partial.push({ ...p, action: !isStale(p, now) ? 'keep' : lock ? 'kept-by-lock' : 'delete', ...(lock ? { lock } : {}) });
  }
  const backups = [...judged, ...unverified].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  return { store: store.describe(), backups, partial };
}

/** Carries out a plan's deletions; a backup found locked at delete time is reported so, not deleted. */
export async function applyPrune(store: BackupStore, plan: PrunePlan): Promise<PrunePlan> {
  const backups: PruneEntry[] = [];
  for (const entry of plan.backups) {
    if (entry.action !== 'delete') {
      backups.push(entry);
      continue;
    }
    const outcome = await store.delete(entry.id);
    backups.push(outcome.status === 'locked' ? { ...entry, action: 'kept-by-lock', ...(outcome.lock ? { lock: outcome.lock } : {}) } : entry);
  }
  const partial: PrunePartial[] = [];
  for (const p of plan.partial) {
    const outcome = p.action === 'delete' ? await store.delete(p.id, { partial: true }) : undefined;
    partial.push(outcome?.status === 'locked' ? { ...p, action: 'kept-by-lock', ...(outcome.lock ? { lock: outcome.lock } : {}) } : p);
  }
  return { ...plan, backups, partial };
}

function isStale(partial: PartialBackup, now: Date): boolean {
  return partial.lastWrite !== '' && now.getTime() - new Date(partial.lastWrite).getTime() > PARTIAL_GRACE_MS;
}
