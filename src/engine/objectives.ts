import { formatDuration, parseDuration } from '../scenario/duration.js';
import type { ObjectiveResult, ScenarioResult } from '../contracts/types.js';

type Measurements = ScenarioResult['measurements'];

/** Compare measured RTO/RPO with the scenario's targets. A missing measurement (never recovered) misses the objective. */
export function evaluateObjectives(targets: { rto?: string; rpo?: string } | undefined, m: Measurements): ObjectiveResult[] {
  const out: ObjectiveResult[] = [];
  if (targets?.rto) {
    const targetMs = parseDuration(targets.rto);
    const measured = m.rtoMs;
    out.push({
      name: 'rto',
      target: targets.rto,
      targetMs,
      measuredMs: measured,
      passed: measured !== undefined && measured <= targetMs,
      explanation:
        measured === undefined
          ? 'not recovered: the restore failed or a check stayed red, so there is no recovery time'
          : `recovered ${formatDuration(measured)} after the disaster began (target ${targets.rto})`,
    });
  }
  if (targets?.rpo) {
    const targetMs = parseDuration(targets.rpo);
    const measured = m.rpoMs;
    const lost = m.lostWrites ?? 0;
    out.push({
      name: 'rpo',
      target: targets.rpo,
      targetMs,
      measuredMs: measured,
      passed: measured !== undefined && measured <= targetMs,
      explanation:
        measured === undefined
          ? 'no backup was taken, so no recovery point exists'
          : `the backup was ${formatDuration(m.backupAgeMs ?? measured)} old when the disaster began; ${
              m.writesAfterBackup === undefined
                ? 'lost writes were not counted (kdrill writes no marker objects into a cluster it did not create)'
                : `${lost} of ${m.writesAfterBackup} writes made after it were lost`
            }`,
    });
  }
  return out;
}

/**
 * RPO: the age of the recovery point when the disaster began (chaos start minus the moment the backup captured the
 * state). Conservative: it is the window of writes a full restore can lose; marker writes tell how many really were.
 */
export function measureRpo(backupStartedAt: number | undefined, chaosStartedAt: number | undefined): number | undefined {
  if (backupStartedAt === undefined || chaosStartedAt === undefined) return undefined;
  return Math.max(0, chaosStartedAt - backupStartedAt);
}
