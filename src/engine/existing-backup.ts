import { KdrillError } from '../core/errors.js';
import { formatDuration, parseDuration } from '../scenario/duration.js';
import type { BackupSourceSpecType } from '../scenario/schema.js';
import type { BackupManifest } from '../store/types.js';
import { latestId } from '../store/latest.js';
import type { CheckOutcome, DrillContext } from '../contracts/types.js';

/**
 * The backup phase of a drill of an existing backup (`backup.from`): pick it (`latest` or an id), open its manifest
 * (hash and MAC checked before anything is read) and check it was made by the strategy the scenario restores with.
 * Nothing is written anywhere: the backup is read, never taken.
 */
export async function openExistingBackup(ctx: Pick<DrillContext, 'store' | 'audit'>, from: BackupSourceSpecType, strategy: string): Promise<BackupManifest> {
  const which = from.id ?? 'latest';
  const id = which === 'latest' ? await latestId(ctx.store) : which;
  const reader = await ctx.store.open(id);
  try {
    const { manifest } = reader;
    if (manifest.strategy !== strategy) {
      throw new KdrillError('E_BACKUP_UNSUPPORTED', `backup ${id} in ${ctx.store.describe()} was made by ${manifest.strategy}, the scenario restores with ${strategy}`, {
        hint: `set backup.strategy: ${manifest.strategy}, or pick a ${strategy} backup with backup.from.id (kdrill backups list)`,
      });
    }
    await ctx.audit.record({ action: 'backup.select', subject: id, details: { requested: which, strategy: manifest.strategy, createdAt: manifest.createdAt, store: ctx.store.describe() } });
    return manifest;
  } finally {
    reader.close();
  }
}

/** The age of a backup at `now`, in ms (never negative: a clock skewed ahead counts as age 0). */
export function backupAgeMs(manifest: Pick<BackupManifest, 'createdAt'>, now: number): number {
  return Math.max(0, now - Date.parse(manifest.createdAt));
}

/** `backup-age`: the backup a drill restores is no older than `backup.from.maxAge` when the drill starts. */
export function judgeBackupAge(manifest: Pick<BackupManifest, 'id' | 'createdAt'>, ageMs: number, maxAge: string): CheckOutcome {
  const limitMs = parseDuration(maxAge);
  const evidence = { backup: manifest.id, createdAt: manifest.createdAt, age: formatDuration(ageMs), ageMs, maxAge };
  if (ageMs <= limitMs) return { status: 'passed', summary: `backup ${manifest.id} is ${formatDuration(ageMs)} old (max ${maxAge})`, evidence };
  return {
    status: 'failed',
    summary: `backup ${manifest.id} is ${formatDuration(ageMs)} old, over the ${maxAge} limit`,
    evidence,
    decisive: ['age', 'createdAt', 'maxAge'],
    recommendation: `the newest backup is stale: check the backup job (its last runs and exit codes), then run kdrill backup; raise backup.from.maxAge only if backups are meant to be that far apart`,
  };
}

/** `source-untouched`: a drill of a cluster kdrill did not create, without allowDestructive, sent it no write at all. */
export function judgeSourceWrites(sourceName: string, writes: number): CheckOutcome {
  const evidence = { sourceCluster: sourceName, writes };
  if (writes === 0) return { status: 'passed', summary: `0 writes to source cluster ${sourceName}: every request kdrill sent it was a read`, evidence };
  return {
    status: 'failed',
    summary: `kdrill sent ${writes} write request(s) to source cluster ${sourceName}, which the drill was only allowed to read`,
    evidence,
    decisive: ['writes'],
    recommendation: 'a step or check wrote into the source: run the chaos, restore and checks against an isolated target (restore.target: {provider: local}), or set cluster.allowDestructive: true if the source is a disposable cluster',
  };
}
