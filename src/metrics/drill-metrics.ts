import type { RunResults, ScenarioResult } from '../contracts/types.js';
import type { MetricFamily, Sample } from './exposition.js';

/**
 * Every metric kdrill publishes, one gauge family each, labelled by `scenario` (docs/metrics.md; alert rules in
 * docs/alerts.yaml). Names carry the kdrill_ prefix and their unit.
 */
export const DRILL_METRICS = {
  lastRun: ['kdrill_drill_last_run_timestamp_seconds', 'Unix time the last drill of the scenario finished, whatever its verdict.'],
  lastSuccess: ['kdrill_drill_last_success_timestamp_seconds', 'Unix time the last passing drill of the scenario finished; 0 if none has passed yet.'],
  verdict: ['kdrill_drill_verdict', 'Verdict of the last drill: 1 for its verdict (passed, failed or error), 0 for the others.'],
  duration: ['kdrill_drill_duration_seconds', 'Wall time of the last drill of the scenario.'],
  rto: ['kdrill_rto_seconds', 'Measured recovery time of the last drill (disaster start to every check green); absent when it never recovered.'],
  rtoObjective: ['kdrill_rto_objective_seconds', "The scenario's RTO objective."],
  rpo: ['kdrill_rpo_seconds', 'Measured recovery point of the last drill: backup age when the disaster began.'],
  rpoObjective: ['kdrill_rpo_objective_seconds', "The scenario's RPO objective."],
  backupTimestamp: ['kdrill_backup_timestamp_seconds', 'Unix time the backup the last drill restored was committed (end of its backup phase).'],
  backupAge: ['kdrill_backup_age_seconds', 'Age of that backup when the disaster began.'],
  backupSize: ['kdrill_backup_size_bytes', 'Total size of the artifacts of that backup.'],
  checkFailed: ['kdrill_check_failed', 'Per check of the last drill: 1 when it did not do what the scenario expects, else 0.'],
  drift: ['kdrill_drift_objects', 'Objects that differ between the live cluster and the newest backup (absent until a drift measurement is published).'],
} as const satisfies Record<string, readonly [string, string]>;

type MetricKey = keyof typeof DRILL_METRICS;

export const VERDICTS = ['passed', 'failed', 'error'] as const;

/** What the last drill of a scenario knew before this run: its last success, carried over when this run failed. */
export type PreviousSuccess = (scenario: string) => number | undefined;

/** The families for every scenario of `results`, labelled `scenario`, in catalog order. */
export function drillFamilies(results: RunResults, previous: PreviousSuccess): MetricFamily[] {
  // One entry per scenario name (the last wins), so no series is written twice.
  const scenarios = [...new Map(results.scenarios.map((s) => [s.name, s])).values()];
  const points = scenarios.flatMap((s) => scenarioPoints(s, previous(s.name)));
  return (Object.keys(DRILL_METRICS) as MetricKey[]).map((key) => ({
    name: DRILL_METRICS[key][0],
    help: DRILL_METRICS[key][1],
    type: 'gauge' as const,
    samples: points.filter((p) => p.key === key).map((p) => ({ name: DRILL_METRICS[key][0], labels: p.labels, value: p.value })),
  }));
}

/** The last-success value of every scenario found in parsed families (from a metrics file or a Pushgateway). */
export function lastSuccessByScenario(families: MetricFamily[], match: (labels: Record<string, string>) => boolean = () => true): Map<string, number> {
  const family = families.find((f) => f.name === DRILL_METRICS.lastSuccess[0]);
  const out = new Map<string, number>();
  for (const s of family?.samples ?? []) if (s.labels.scenario !== undefined && match(s.labels) && Number.isFinite(s.value)) out.set(s.labels.scenario, s.value);
  return out;
}

interface Point {
  key: MetricKey;
  labels: Record<string, string>;
  value: number;
}

function scenarioPoints(s: ScenarioResult, previousSuccess: number | undefined): Point[] {
  const scenario = s.name;
  const at = (key: MetricKey, value: number | undefined, extra: Record<string, string> = {}): Point[] =>
    value === undefined || !Number.isFinite(value) ? [] : [{ key, labels: { scenario, ...extra }, value }];
  const finished = Date.parse(s.finishedAt) / 1000;
  const objective = (name: 'rto' | 'rpo') => s.objectives.find((o) => o.name === name)?.targetMs;
  const backupPhase = s.timeline.find((e) => e.phase === 'backup' && !e.step && e.status === 'passed');
  return [
    ...at('lastRun', finished),
    ...at('lastSuccess', s.verdict === 'passed' ? finished : (previousSuccess ?? 0)),
    ...VERDICTS.flatMap((v) => at('verdict', s.verdict === v ? 1 : 0, { verdict: v })),
    ...at('duration', s.durationMs / 1000),
    ...at('rto', seconds(s.measurements.rtoMs)),
    ...at('rtoObjective', seconds(objective('rto'))),
    ...at('rpo', seconds(s.measurements.rpoMs)),
    ...at('rpoObjective', seconds(objective('rpo'))),
    ...at('backupTimestamp', s.backup ? seconds(backupPhase?.endedAt) : undefined),
    ...at('backupAge', s.backup ? seconds(s.measurements.backupAgeMs) : undefined),
    ...at('backupSize', s.backup?.sizeBytes),
    ...s.checks.flatMap((c) => at('checkFailed', c.asExpected ? 0 : 1, { check: c.name, check_id: c.id })),
  ];
}

function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** `families` keeping only the samples of one scenario, without the scenario label (a Pushgateway group carries it). */
export function forScenario(families: MetricFamily[], scenario: string): MetricFamily[] {
  return families.map((f) => ({
    ...f,
    samples: f.samples.filter((s) => s.labels.scenario === scenario).map((s): Sample => ({ ...s, labels: withoutScenario(s.labels) })),
  }));
}

function withoutScenario(labels: Record<string, string>): Record<string, string> {
  const { scenario: _scenario, ...rest } = labels;
  return rest;
}
