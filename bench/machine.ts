import os from 'node:os';
import type { Logger } from '../src/core/logger.js';
import { binaryVersions, resolveBinaries } from '../src/providers/local/binaries.js';

/** What the figures were measured on: results from different machines are not comparable without it. */
export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  /** 1/5/15-minute load averages when the suite started: other work on a shared machine skews figures. */
  loadAverage: number[];
  kubernetes: string;
  etcd: string;
  /** Where each control-plane binary came from (cache, PATH, KDRILL_BIN_DIR...). */
  binarySources: Record<string, string>;
}

/** Reads the machine facts; resolves (and if needed builds) the control-plane binaries first, outside any timing. */
export async function machineFacts(logger: Logger): Promise<MachineFacts> {
  const binaries = await resolveBinaries({ logger });
  const versions = await binaryVersions(binaries);
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    kubernetes: versions.kubernetes,
    etcd: versions.etcd,
    binarySources: binaries.sources as Record<string, string>,
  };
}

/** One line for the terminal header. */
export function describeMachine(m: MachineFacts): string {
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, Kubernetes ${m.kubernetes}, etcd ${m.etcd}, load ${m.loadAverage.join(' ')}`;
}
