import { readFile } from 'node:fs/promises';

/** Resident memory of one process in KiB: VmHWM is the kernel's own peak, VmRSS the current value. */
export interface MemoryReading {
  hwmKiB: number;
  rssKiB: number;
}

/** Reads VmHWM and VmRSS out of /proc/<pid>/status text; undefined when either is missing (kernel thread, zombie). */
export function parseProcStatus(text: string): MemoryReading | undefined {
  const field = (name: string) => /^(\d+)\s*kB$/.exec(text.match(new RegExp(`^${name}:\\s*(.+)$`, 'm'))?.[1]?.trim() ?? '')?.[1];
  const hwm = field('VmHWM');
  const rss = field('VmRSS');
  if (hwm === undefined || rss === undefined) return undefined;
  return { hwmKiB: Number(hwm), rssKiB: Number(rss) };
}

export async function readMemory(pid: number): Promise<MemoryReading | undefined> {
  try {
    return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined; // Exited between two samples.
  }
}

/**
 * Samples the peak RSS of named processes every `intervalMs` until stopped. `pids()` is asked each time, so processes
 * that start later (components of a cluster still booting) are picked up. Linux only (/proc).
 */
export class RssSampler {
  private readonly peaks = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> = Promise.resolve();
  private result: Promise<Record<string, number>> | undefined;

  constructor(
    private readonly pids: () => Promise<Record<string, number | undefined>> | Record<string, number | undefined>,
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.timer = setInterval(() => {
      this.pending = this.pending.then(() => this.sample());
    }, this.intervalMs);
    return this;
  }

  /** Takes a last sample, stops, and returns each process's peak in MiB; later calls return the same figures. */
  stop(): Promise<Record<string, number>> {
    clearInterval(this.timer);
    this.result ??= this.pending
      .then(() => this.sample())
      .then(() => Object.fromEntries([...this.peaks].map(([name, kib]) => [name, Math.round((kib / 1024) * 10) / 10])));
    return this.result;
  }

  private async sample(): Promise<void> {
    const pids = await Promise.resolve(this.pids()).catch(() => ({}) as Record<string, number | undefined>);
    for (const [name, pid] of Object.entries(pids)) {
      if (pid === undefined) continue;
      const reading = await readMemory(pid);
      if (reading) this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, reading.hwmKiB, reading.rssKiB));
    }
  }
}
