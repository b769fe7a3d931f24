import type { CheckSpecType } from '../scenario/schema.js';
import { oneLine, type PhaseRunner } from './phases.js';
import { plugins } from './plugins.js';
import type { CheckOutcome, CheckResult, DrillContext } from '../contracts/types.js';

const nameOf = (spec: CheckSpecType) => spec.name ?? spec.check;

/** Baseline phase: every check that compares against the pre-disaster state captures it now. */
export async function runBaselines(ctx: DrillContext, specs: CheckSpecType[], phases: PhaseRunner): Promise<Map<string, unknown>> {
  const baselines = new Map<string, unknown>();
  for (const spec of specs) {
    const check = plugins.check(spec.check);
    if (!check.baseline) continue;
    const value = await phases.step('baseline', nameOf(spec), () => check.baseline!(ctx, spec.options ?? {}));
    baselines.set(nameOf(spec), value);
  }
  return baselines;
}

/**
 * Verify phase: run every check; a failed check is a result with evidence, an exception becomes status `error`. A
 * skipped check proved nothing: it counts as expected only when the scenario marks it optional or `allowSkipped`.
 */
export async function runChecks(
  ctx: DrillContext,
  specs: CheckSpecType[],
  baselines: Map<string, unknown>,
  phases: PhaseRunner,
  options: { allowSkipped?: boolean } = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const spec of specs) {
    const check = plugins.check(spec.check);
    const started = ctx.clock.now();
    const outcome = await phases
      .step('verify', nameOf(spec), async () => {
        const out = await check.verify(ctx, spec.options ?? {}, baselines.get(nameOf(spec))).catch((error: unknown): CheckOutcome => ({
          status: 'error',
          summary: `the check itself failed: ${oneLine(error)}`,
        }));
        // A check that fails is recorded as a failed step (the timeline shows it) but never aborts the other checks.
        if (out.status === 'failed' || out.status === 'error') throw Object.assign(new Error(out.summary), { outcome: out });
        return out;
      }, (out) => out.summary, (out) => (out.status === 'skipped' ? 'skipped' : 'passed'))
      .catch((error: { outcome?: CheckOutcome }) => error.outcome ?? { status: 'error' as const, summary: String(error) });
    const expect = spec.expect ?? 'pass';
    const skipAccepted = spec.optional === true || options.allowSkipped === true;
    const asExpected = expect === 'pass' ? outcome.status === 'passed' || (outcome.status === 'skipped' && skipAccepted) : outcome.status === 'failed';
    const optional = spec.optional === true ? { optional: true } : {};
    results.push({ ...outcome, id: spec.check, name: nameOf(spec), expect, asExpected, ...optional, durationMs: ctx.clock.now() - started });
  }
  return results;
}
