import { redact } from '../core/redact.js';
import type { Verdict } from '../contracts/types.js';
import { formatDuration } from '../reporters/format.js';
import { createTtyProgress } from './progress-tty.js';
import type { ProgressSink, ProgressStatus } from '../engine/progress.js';

export type { ProgressStatus, ProgressSink } from '../engine/progress.js';
export { nullProgress } from '../engine/progress.js';

export interface ProgressOptions {
  /** Live redrawn task list when true, timestamped lines when false; default: stderr is a TTY and CI is unset. */
  tty?: boolean;
  /** Raw output (the TTY renderer writes ANSI without newlines); default: process.stderr. */
  write?: (text: string) => void;
  now?: () => number;
  /** Terminal width for the TTY renderer (lines are cut to fit so redraws stay aligned). */
  columns?: number;
}

/** The progress sink for the CLI: a live task list on an interactive terminal, plain lines elsewhere (CI, pipes). */
export function createProgress(options: ProgressOptions = {}): ProgressSink {
  const tty = options.tty ?? (Boolean(process.stderr.isTTY) && !process.env.CI);
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  const now = options.now ?? Date.now;
  if (tty) return createTtyProgress({ write, now, columns: options.columns ?? process.stderr.columns ?? 100 });
  return createPlainProgress(write, now);
}

/** The mark for a finished status. */
export function statusMark(status: ProgressStatus | Verdict): string {
  return status === 'passed' ? '✓' : status === 'skipped' ? '-' : '✗';
}

function createPlainProgress(write: (text: string) => void, now: () => number): ProgressSink {
  const started = new Map<string, number>();
  const line = (scenario: string, text: string) => {
    write(redact(`${new Date(now()).toISOString().slice(11, 23)} [${scenario}] ${text}`) + '\n');
  };
  const finish = (key: string, status: ProgressStatus | Verdict, note?: string) => {
    const start = started.get(key);
    started.delete(key);
    const took = start === undefined || status === 'skipped' ? '' : ` ${formatDuration(now() - start)}`;
    return `${statusMark(status)}${status === 'skipped' ? ' skipped' : ''}${took}${note ? `: ${note}` : ''}`;
  };
  return {
    scenarioStarted(name) {
      started.set(name, now());
      line(name, 'started');
    },
    phaseStarted(scenario, phase) {
      started.set(`${scenario}/${phase}`, now());
      line(scenario, `${phase} …`);
    },
    phaseFinished(scenario, phase, status, note) {
      line(scenario, `${phase} ${finish(`${scenario}/${phase}`, status, note)}`);
    },
    stepStarted(scenario, phase, step) {
      started.set(`${scenario}/${phase}/${step}`, now());
      line(scenario, `${phase} › ${step} …`);
    },
    stepFinished(scenario, phase, step, status, note) {
      line(scenario, `${phase} › ${step} ${finish(`${scenario}/${phase}/${step}`, status, note)}`);
    },
    scenarioFinished(name, verdict) {
      const start = started.get(name);
      started.delete(name);
      line(name, `${statusMark(verdict)} ${verdict}${start === undefined ? '' : ` in ${formatDuration(now() - start)}`}`);
    },
    close() {},
  };
}
