import type { PhaseName } from '../scenario/schema.js';
import type { Verdict } from '../contracts/types.js';

export type ProgressStatus = 'passed' | 'failed' | 'skipped';

/** What the engine reports as a drill runs; implementations draw it on stderr and never throw. */
export interface ProgressSink {
  scenarioStarted(name: string): void;
  phaseStarted(scenario: string, phase: PhaseName): void;
  phaseFinished(scenario: string, phase: PhaseName, status: ProgressStatus, note?: string): void;
  stepStarted(scenario: string, phase: PhaseName, step: string): void;
  stepFinished(scenario: string, phase: PhaseName, step: string, status: ProgressStatus, note?: string): void;
  scenarioFinished(name: string, verdict: Verdict): void;
  /** Stop timers and leave the terminal clean; safe to call twice. */
  close(): void;
}

/** A sink that draws nothing: for library callers and tests. */
export const nullProgress: ProgressSink = {
  scenarioStarted: () => {},
  phaseStarted: () => {},
  phaseFinished: () => {},
  stepStarted: () => {},
  stepFinished: () => {},
  scenarioFinished: () => {},
  close: () => {},
};
