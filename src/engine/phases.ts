import { isKdrillError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { parseDuration } from '../scenario/duration.js';
import type { PhaseName, Scenario } from '../scenario/schema.js';
import type { ProgressSink } from './progress.js';
import type { Timeline } from './timeline.js';
import { withTimeout } from './timeout.js';

/** Default phase deadlines; a scenario overrides them in spec.timeouts. */
export const DEFAULT_TIMEOUTS: Record<PhaseName, string> = {
  provision: '15m', // includes a first-time build of the control-plane binaries
  seed: '5m',
  baseline: '5m',
  backup: '15m',
  chaos: '10m',
  restore: '20m',
  verify: '10m',
  teardown: '5m',
};

/** A phase that failed: carries which phase, so the result can say where the drill stopped. */
export class PhaseError extends Error {
  constructor(readonly phase: PhaseName, override readonly cause: unknown) {
    super(`${phase} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

export interface PhaseRunner {
  run<T>(phase: PhaseName, work: (signal: AbortSignal) => Promise<T>, note?: (value: T) => string | undefined): Promise<T>;
  /** `statusOf` says how a step that returned ended (a check that skipped); by default it passed. */
  step<T>(phase: PhaseName, step: string, work: () => Promise<T>, note?: (value: T) => string | undefined, statusOf?: (value: T) => 'passed' | 'skipped'): Promise<T>;
  skip(phase: PhaseName, note: string): void;
}

/** Runs phases and steps with timeline entries, progress events and per-phase timeouts. */
export function phaseRunner(name: string, scenario: Scenario, timeline: Timeline, progress: ProgressSink, signal: AbortSignal): PhaseRunner {
  const timeoutOf = (phase: PhaseName) => parseDuration(scenario.spec.timeouts?.[phase] ?? DEFAULT_TIMEOUTS[phase]);
  // Teardown runs after an interruption too (that is when it matters most): only its own deadline ends it.
  const signalOf = (phase: PhaseName) => (phase === 'teardown' ? new AbortController().signal : signal);
  return {
    async run(phase, work, note) {
      progress.phaseStarted(name, phase);
      const end = timeline.begin(phase);
      try {
        const value = await withTimeout(`phase ${phase}`, timeoutOf(phase), signalOf(phase), work);
        const text = note?.(value);
        end('passed', text);
        progress.phaseFinished(name, phase, 'passed', text);
        return value;
      } catch (error) {
        const text = oneLine(error);
        end('failed', text);
        progress.phaseFinished(name, phase, 'failed', text);
        throw error instanceof PhaseError ? error : new PhaseError(phase, error);
      }
    },
    async step(phase, step, work, note, statusOf) {
      progress.stepStarted(name, phase, step);
      const end = timeline.begin(phase, step);
      try {
        const value = await work();
        const text = note?.(value);
        const status = statusOf?.(value) ?? 'passed';
        end(status, text);
        progress.stepFinished(name, phase, step, status, text);
        return value;
      } catch (error) {
        end('failed', oneLine(error));
        progress.stepFinished(name, phase, step, 'failed', oneLine(error));
        throw error;
      }
    },
    skip(phase, note) {
      const end = timeline.begin(phase);
      end('skipped', note);
      progress.phaseStarted(name, phase);
      progress.phaseFinished(name, phase, 'skipped', note);
    },
  };
}

export function oneLine(error: unknown): string {
  const text = isKdrillError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  // Redact before cutting: a secret cut in half would no longer match.
  return redact(text).split('\n')[0]!.slice(0, 300);
}

/** The error a scenario records when a signal stopped the run: the signal, and where the drill was. */
export function interruption(reason: unknown, phase: PhaseName | undefined): { code: string; message: string; hint: string; phase?: PhaseName } {
  const text = reason instanceof Error ? reason.message : 'interrupted';
  return {
    code: 'E_ABORTED',
    message: `${text}${phase ? ` during the ${phase} phase` : ''}: the drill did not finish, so nothing after that point was proved`,
    hint: 'run it again; kdrill tore down what it had started',
    ...(phase ? { phase } : {}),
  };
}

export function errorInfo(error: unknown, phase?: PhaseName): { code: string; message: string; hint?: string; phase?: PhaseName } {
  const inner = error instanceof PhaseError ? error.cause : error;
  const k = isKdrillError(inner) ? inner : undefined;
  return {
    code: k?.code ?? 'E_INTERNAL',
    message: inner instanceof Error ? inner.message : String(inner),
    ...(k?.hint ? { hint: k.hint } : {}),
    ...(phase ? { phase } : {}),
  };
}

