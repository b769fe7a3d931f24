import { readFileSync } from 'node:fs';
import { nullProgress, type ProgressSink } from '../src/engine/progress.js';
import { clustersDir } from '../src/providers/local/paths.js';
import { listStates } from '../src/providers/local/state.js';
import { isEtcdProcessKey } from '../src/providers/local/etcd-topology.js';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux kdrill targets). */
const TICKS = 100;

/** CPU seconds (user + system) a process used so far, and with `children` those of its reaped children too; undefined once it is gone. */
export function cpuSeconds(pid: number | 'self', children = false): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return parseCpuSeconds(stat, children);
}

/** utime + stime (+ cutime + cstime) of one `/proc/<pid>/stat` line, in seconds; the name field may hold spaces. */
export function parseCpuSeconds(stat: string, children = false): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (field 3 of proc(5)): utime is field 14, stime 15, cutime 16, cstime 17.
  const ticks = [11, 12, ...(children ? [13, 14] : [])].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  return ticks / TICKS;
}

/** CPU seconds by role during one phase of a drill: the apiserver, etcd (all members) and the backup tool. */
export interface PhaseCpu {
  apiserver: number;
  etcd: number;
  /** kdrill itself plus every child it reaped (Velero's server and CLI). */
  tool: number;
}

/**
 * A progress sink that reads the CPU times of the drill's control plane and of this process (with reaped children)
 * when `phase` starts and finishes: the CPU one restore costs each party.
 */
export function phaseCpuProbe(phase: 'restore' | 'backup'): { sink: ProgressSink; result: () => PhaseCpu | undefined } {
  let before: Record<string, number> | undefined;
  let after: Record<string, number> | undefined;
  const sink: ProgressSink = {
    ...nullProgress,
    phaseStarted: (scenario, p) => {
      if (p === phase) void sample(scenario).then((s) => (before = s));
    },
    phaseFinished: (scenario, p) => {
      if (p === phase) void sample(scenario).then((s) => (after = s));
    },
  };
  const result = () => {
    if (!before || !after) return undefined;
    const delta = (key: string) => Math.round(((after![key] ?? 0) - (before![key] ?? 0)) * 100) / 100;
    return { apiserver: delta('apiserver'), etcd: delta('etcd'), tool: delta('tool') };
  };
  return { sink, result };
}

async function sample(scenario: string): Promise<Record<string, number>> {
  const tool = cpuSeconds('self', true) ?? 0;
  const cluster = (await listStates(clustersDir())).find((c) => c.state.name.startsWith(scenario));
  const pids = cluster?.state.pids ?? {};
  const etcd = Object.entries(pids).filter(([key]) => isEtcdProcessKey(key)).reduce((sum, [, pid]) => sum + (pid ? (cpuSeconds(pid) ?? 0) : 0), 0);
  const apiserver = pids['kube-apiserver'] ? (cpuSeconds(pids['kube-apiserver']) ?? 0) : 0;
  return { tool, etcd, apiserver };
}
