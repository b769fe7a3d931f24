import type { PhaseName } from '../scenario/schema.js';
import type { Clock, TimelineEntry } from '../contracts/types.js';

/** Records when each phase and step started and ended: the source of the Gantt chart and of RTO/RPO. */
export class Timeline {
  readonly entries: TimelineEntry[] = [];

  constructor(private readonly clock: Clock) {}

  /** Open an entry; call the returned function to close it. */
  begin(phase: PhaseName, step?: string): (status: TimelineEntry['status'], note?: string) => TimelineEntry {
    const entry: TimelineEntry = { phase, startedAt: this.clock.now(), status: 'running', ...(step ? { step } : {}) };
    this.entries.push(entry);
    return (status, note) => {
      entry.endedAt = this.clock.now();
      entry.status = status;
      if (note) entry.note = note;
      return entry;
    };
  }

  /** The entry of a phase (not a step), if it ran. */
  phase(phase: PhaseName): TimelineEntry | undefined {
    return this.entries.find((e) => e.phase === phase && e.step === undefined);
  }

  /** Close entries left running (a phase that threw or timed out) as failed. */
  closeDangling(): void {
    for (const e of this.entries) {
      if (e.status === 'running') {
        e.status = 'failed';
        e.endedAt = this.clock.now();
      }
    }
  }
}
