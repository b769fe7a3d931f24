import { redact } from '../core/redact.js';
import type { PhaseName } from '../scenario/schema.js';
import type { Verdict } from '../contracts/types.js';
import { formatDuration } from '../reporters/format.js';
import type { ProgressSink, ProgressStatus } from './progress.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK_MS = 100;
const ESC = '\x1b[';

interface Task {
  name: string;
  startedAt: number;
  endedAt?: number;
  status: ProgressStatus | 'running';
  note?: string;
  children: Map<string, Task>;
}

export interface TtyProgressOptions {
  write: (text: string) => void;
  now: () => number;
  columns: number;
}

/** A live task list redrawn in place: one block per running scenario, its phases and the running phase's steps. */
export function createTtyProgress({ write, now, columns }: TtyProgressOptions): ProgressSink {
  const live = new Map<string, Task>();
  let drawn = 0;
  let frame = 0;
  let closed = false;
  const timer = setInterval(() => {
    frame++;
    if (live.size > 0) redraw();
  }, TICK_MS);
  timer.unref();

  const task = (name: string): Task => ({ name, startedAt: now(), status: 'running', children: new Map() });
  const fit = (text: string) => (text.length >= columns ? text.slice(0, Math.max(1, columns - 2)) + '…' : text);
  const mark = (t: Task) => (t.status === 'running' ? SPINNER[frame % SPINNER.length]! : t.status === 'passed' ? '✓' : t.status === 'skipped' ? '-' : '✗');
  const label = (t: Task, depth: number) => {
    const took = t.status === 'skipped' ? ' skipped' : ` ${formatDuration((t.endedAt ?? now()) - t.startedAt)}`;
    return fit(redact(`${'  '.repeat(depth)}${mark(t)} ${t.name}${took}${t.note ? `: ${t.note}` : ''}`));
  };

  function linesOf(scenario: Task): string[] {
    const lines = [label(scenario, 0)];
    for (const phase of scenario.children.values()) {
      lines.push(label(phase, 1));
      // Steps of a finished phase fold away unless they failed: the list stays short.
      for (const step of phase.children.values()) {
        if (phase.status === 'running' || step.status === 'failed') lines.push(label(step, 2));
      }
    }
    return lines;
  }

  function clear(): string {
    return drawn > 0 ? `${ESC}${drawn}F${ESC}0J` : '';
  }

  function redraw(permanent: string[] = []): void {
    if (closed) return;
    const lines = [...live.values()].flatMap(linesOf);
    const text = [...permanent, ...lines].map((l) => l + '\n').join('');
    write(redact(clear() + text));
    drawn = lines.length;
  }

  const phaseOf = (scenario: string, phase: PhaseName) => live.get(scenario)?.children.get(phase);
  const end = (t: Task | undefined, status: ProgressStatus, note?: string) => {
    if (!t) return;
    t.status = status;
    t.endedAt = now();
    // A newline would shift every later line and break the in-place redraw.
    if (note) t.note = note.replace(/\s+/g, ' ');
  };

  write(`${ESC}?25l`);
  return {
    scenarioStarted(name) {
      live.set(name, task(name));
      redraw();
    },
    phaseStarted(scenario, phase) {
      live.get(scenario)?.children.set(phase, task(phase));
      redraw();
    },
    phaseFinished(scenario, phase, status, note) {
      end(phaseOf(scenario, phase), status, note);
      redraw();
    },
    stepStarted(scenario, phase, step) {
      phaseOf(scenario, phase)?.children.set(step, task(step));
      redraw();
    },
    stepFinished(scenario, phase, step, status, note) {
      end(phaseOf(scenario, phase)?.children.get(step), status, note);
      redraw();
    },
    scenarioFinished(name, verdict: Verdict) {
      const scenario = live.get(name);
      if (!scenario) return;
      end(scenario, verdict === 'passed' ? 'passed' : 'failed', verdict === 'passed' ? undefined : verdict);
      // The finished block is printed once above the live area and never redrawn.
      const block = linesOf(scenario);
      live.delete(name);
      redraw(block);
    },
    close() {
      if (closed) return;
      clearInterval(timer);
      redraw();
      closed = true;
      write(`${ESC}?25h`);
    },
  };
}
