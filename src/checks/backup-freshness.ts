import { Type } from '@sinclair/typebox';
import type { Check, CheckOutcome, DrillContext } from '../contracts/types.js';
import { formatDuration, parseDuration } from '../scenario/duration.js';
import { DURATION_PATTERN } from '../scenario/schema.js';
import type { BackupReader, BackupSummary } from '../store/types.js';
import { parseCheckOptions } from './check-support.js';

const ID = 'backup-freshness';

const Options = Type.Object(
  {
    maxAge: Type.Optional(Type.String({ pattern: DURATION_PATTERN, description: "Oldest acceptable age of the newest restorable backup (default: the scenario's RPO objective)" })),
    verifyArtifacts: Type.Optional(Type.Boolean({ default: false, description: 'Also re-hash and decrypt every artifact of that backup, not only its manifest' })),
  },
  { additionalProperties: false },
);

/** The newest backup in the scenario's store that can be restored is younger than the RPO objective. */
export const backupFreshness: Check = {
  id: ID,
  description: "The newest restorable backup in the scenario's store is younger than the RPO objective (or maxAge)",
  optionsSchema: Options,
  async verify(ctx, options): Promise<CheckOutcome> {
    const opts = parseCheckOptions(ID, Options, options);
    const objective = opts.maxAge ?? ctx.scenario.spec.objectives?.rpo;
    if (!objective) {
      return { status: 'error', summary: 'no objective to compare with: set spec.objectives.rpo or the maxAge option of backup-freshness' };
    }
    const { found, skipped } = await newestRestorable(ctx, opts.verifyArtifacts ?? false);
    const store = ctx.store.describe();
    if (!found) {
      return {
        status: 'failed',
        summary: `no restorable backup in ${store}`,
        evidence: { store, objective, skipped },
        recommendation: 'the backup job wrote nothing restorable: check that it runs, where it writes (--store) and the key it seals with',
      };
    }
    const ageMs = ctx.clock.now() - Date.parse(found.createdAt);
    const evidence = { backup: found.id, createdAt: found.createdAt, age: formatDuration(ageMs), ageMs, objective, store, skipped };
    if (ageMs <= parseDuration(objective)) {
      return { status: 'passed', summary: `newest restorable backup ${found.id} is ${formatDuration(ageMs)} old (objective ${objective})`, evidence };
    }
    return {
      status: 'failed',
      summary: `newest restorable backup ${found.id} is ${formatDuration(ageMs)} old, over the objective of ${objective}`,
      evidence,
      recommendation: `a disaster now would lose ${formatDuration(ageMs)} of changes: run the backup job at least every ${objective}, and alert when it stops (kdrill backups list --store shows the last one)`,
    };
  },
};

/** Newest first: the first backup whose manifest opens (hashes and MAC checked by the store), and why newer ones did not. */
async function newestRestorable(ctx: DrillContext, verifyArtifacts: boolean): Promise<{ found?: BackupSummary; skipped: string[] }> {
  const summaries = (await ctx.store.list()).sort((a, b) => takenAt(b).localeCompare(takenAt(a)));
  const skipped: string[] = [];
  for (const summary of summaries) {
    const problem = await openProblem(ctx, summary, verifyArtifacts);
    if (!problem) return { found: summary, skipped };
    skipped.push(`${summary.id}: ${problem}`);
  }
  return { skipped };
}

/** When a backup was taken: its manifest's createdAt, or for an unreadable one the time its id starts with. */
function takenAt(summary: BackupSummary): string {
  if (summary.createdAt) return summary.createdAt;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(summary.id);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` : '';
}

async function openProblem(ctx: DrillContext, summary: BackupSummary, verifyArtifacts: boolean): Promise<string | undefined> {
  if (summary.strategy === 'unreadable') return 'its manifest cannot be read';
  let reader: BackupReader;
  try {
    reader = await ctx.store.open(summary.id);
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
  try {
    if (!verifyArtifacts) return undefined;
    const { ok, problems } = await reader.verify();
    return ok ? undefined : problems.slice(0, 3).join('; ');
  } finally {
    reader.close();
  }
}
