import { plural } from '../core/plural.js';
import type { CheckResult, ObjectiveResult, ScenarioResult } from '../contracts/types.js';
import { formatDuration } from './format.js';

/** One entry of "Why it failed": what went wrong, why, and what to change. */
export interface Advice {
  title: string;
  /** A few words for the verdict sentence. */
  short: string;
  cause: string;
  change: string;
  /** The check the entry is about, whose decisive evidence the report shows with it. */
  check?: CheckResult;
}

/** Skipped checks that failed the scenario (not optional, no --allow-skipped). */
export function requiredSkipped(scenario: ScenarioResult): CheckResult[] {
  return scenario.checks.filter((c) => c.status === 'skipped' && !c.asExpected);
}

/**
 * Why a scenario did not pass, in a few words: `passed with 1 check skipped: etcd-consistency` when skipped checks
 * are the only reason, else the failures' short forms. Empty for a scenario that passed.
 */
export function verdictReason(scenario: ScenarioResult, quote: (name: string) => string = (n) => `\`${n}\``): string {
  if (scenario.verdict === 'passed') return '';
  const skipped = requiredSkipped(scenario);
  const advice = adviceFor(scenario);
  if (skipped.length > 0 && advice.every((a) => a.check?.status === 'skipped')) {
    return `passed with ${plural(skipped.length, 'check')} skipped: ${skipped.map((c) => quote(c.id)).join(', ')}`;
  }
  return advice.map((a) => a.short).join(', ');
}

/** What the RTO cell says when no recovery time was measured: where the drill stopped. */
export function rtoNotReached(scenario: ScenarioResult): string {
  const e = scenario.error;
  if (e) return `not reached (${e.phase ?? 'setup'} ${e.code === 'E_ABORTED' ? 'interrupted' : 'failed'})`;
  return 'not reached (verify failed)';
}

/** Every failure of a scenario (error, checks not as expected, missed objectives) with a likely cause and a fix. */
export function adviceFor(scenario: ScenarioResult): Advice[] {
  const advice: Advice[] = [];
  if (scenario.error) {
    const { code, message, hint, phase } = scenario.error;
    const interrupted = code === 'E_ABORTED';
    advice.push({
      title: interrupted ? `The run was interrupted${phase ? ` in the ${phase} phase` : ''}` : `The scenario stopped with ${code}${phase ? ` in the ${phase} phase` : ''}`,
      short: interrupted ? `interrupted${phase ? ` in ${phase}` : ''}` : `stopped with ${code}${phase ? ` in ${phase}` : ''}`,
      cause: message,
      change: hint ?? 'Run again with --verbose for the stack trace, and fix the setup it names.',
    });
  }
  for (const check of scenario.checks) {
    const item = checkAdvice(check);
    if (item) advice.push(item);
  }
  for (const objective of scenario.objectives) {
    if (!objective.passed) advice.push(objectiveAdvice(objective, scenario));
  }
  if (advice.length === 0 && scenario.verdict !== 'passed') {
    advice.push({
      title: `The verdict is ${scenario.verdict} but no single failure was recorded`,
      short: 'a phase failed',
      cause: 'A phase failed without a check or objective naming it.',
      change: 'Read the timeline below for the failed phase and the logs of that run.',
    });
  }
  return advice;
}

function checkAdvice(check: CheckResult): Advice | undefined {
  if (check.asExpected) return undefined;
  const name = `\`${check.id}\`${check.name !== check.id ? ` (${check.name})` : ''}`;
  if (check.status === 'skipped') {
    return {
      title: `Check ${name} was skipped, so it proved nothing`,
      short: `check \`${check.id}\` skipped`,
      cause: check.summary,
      change: 'Run the drill where the check can run (for etcd checks: a provider with etcd access), or, if the drill may pass without it, mark the check `optional: true` in the scenario or pass --allow-skipped.',
      check,
    };
  }
  if (check.status === 'error') {
    return {
      check,
      title: `Check ${name} could not run`,
      short: `check \`${check.id}\` errored`,
      cause: check.summary,
      change: check.recommendation ?? "Fix the check's options or the access it needs; its evidence shows where it stopped.",
    };
  }
  if (check.expect === 'fail') {
    return {
      check,
      title: `Check ${name} was expected to fail but passed`,
      short: `check \`${check.id}\` passed but was expected to fail`,
      cause: `${check.summary}. The chaos did not cause the damage this negative control looks for, or the check cannot see it.`,
      change: check.recommendation ?? 'Confirm in the timeline that the chaos step ran, and that the check looks at the objects it broke.',
    };
  }
  return {
    check,
    title: `Check ${name} failed`,
    short: `check \`${check.id}\` failed`,
    cause: check.summary,
    change: check.recommendation ?? 'Compare the evidence with the baseline; exclude differences the restore is not meant to undo in the check options.',
  };
}

function objectiveAdvice(objective: ObjectiveResult, scenario: ScenarioResult): Advice {
  const label = objective.name.toUpperCase();
  if (objective.measuredMs === undefined) {
    return {
      title: `${label} was not measured (target ${objective.target})`,
      short: `${label} not measured`,
      cause: objective.explanation,
      change: `Fix the failures above first: ${label} is measured only when the restore completes.`,
    };
  }
  const over = `${formatDuration(objective.measuredMs)} against a target of ${objective.target}`;
  if (objective.name === 'rto') {
    const slowest = slowestSteps(scenario);
    return {
      title: `RTO missed: ${over}`,
      short: `RTO ${formatDuration(objective.measuredMs)} over the ${objective.target} target`,
      cause: slowest ? `The slowest steps were ${slowest}. ${objective.explanation}` : objective.explanation,
      change: `Speed up the slowest step${slowest ? '' : ' of the restore'}, or, if this is the realistic recovery time, raise the RTO objective to ${goDuration(objective.measuredMs)}.`,
    };
  }
  const lost = scenario.measurements.lostWrites;
  return {
    title: `RPO missed: ${over}`,
    short: `RPO ${formatDuration(objective.measuredMs)} over the ${objective.target} target`,
    cause: `${objective.explanation}${lost ? ` ${lost} write${lost === 1 ? ' was' : 's were'} lost.` : ''}`,
    change: `Back up at least every ${objective.target} (or right before risky changes), or, if that loss is acceptable, raise the RPO objective to ${goDuration(objective.measuredMs)}.`,
  };
}

function slowestSteps(scenario: ScenarioResult): string {
  return scenario.timeline
    .filter((e) => e.step !== undefined && e.endedAt !== undefined && (e.phase === 'restore' || e.phase === 'verify'))
    .map((e) => ({ label: `${e.phase} › ${e.step}`, ms: (e.endedAt ?? e.startedAt) - e.startedAt }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((s) => `${s.label} (${formatDuration(s.ms)})`)
    .join(', ');
}

/** A scenario-file duration rounded up: `45s`, `8m`, `1h5m`. */
export function goDuration(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.ceil(ms / 1000))}s`;
  const minutes = Math.ceil(ms / 60_000);
  return minutes < 60 ? `${minutes}m` : `${Math.floor(minutes / 60)}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
}
