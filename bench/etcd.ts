import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { DrillContext } from '../src/contracts/types.js';
import type { LocalCluster } from '../src/providers/local/cluster.js';
import type { BackupManifest } from '../src/store/types.js';
import { STRATEGIES } from '../src/strategies/registry.js';
import { elapsedMs, megabytesPerSecond, summarize, type Summary } from './stats.js';

/** etcd snapshot figures of one cluster state: plain etcdctl against the strategy, in the same run. */
export interface EtcdFigures {
  snapshotBytes: number;
  /** MB/s of `etcdctl snapshot save` alone. */
  etcdctlSaveMBps: Summary;
  /** MB/s of the strategy's save step alone (its manifest's durations.snapshotMs). */
  strategySaveMBps: Summary;
  /** MB/s of the whole strategy backup: save, `etcdutl snapshot status`, sha256, seal and store. */
  strategyBackupMBps: Summary;
  /** Seconds of a plain `etcdutl snapshot restore` into an empty data dir. */
  etcdutlRestoreSeconds: number;
  /** Seconds of the strategy restore: decrypt, verify, stop the control plane, restore, restart, /readyz. */
  strategyRestoreSeconds: number;
}

/**
 * Alternates `runs` plain `etcdctl snapshot save` calls (the cluster's binary and TLS) with `runs` etcd-snapshot
 * strategy backups, then restores the last backup with the strategy (the cluster restarts on the same data).
 */
export async function measureEtcd(ctx: DrillContext, cluster: LocalCluster, runs: number): Promise<EtcdFigures> {
  const dir = await mkdtemp(join(ctx.workDir, 'bench-etcd-'));
  const strategy = STRATEGIES['etcd-snapshot']!;
  try {
    const plain: number[] = [];
    const save: number[] = [];
    const whole: number[] = [];
    let manifest: BackupManifest | undefined;
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      // Alternate who goes first so that page-cache warmth favours neither.
      const order = i % 2 === 0 ? ['plain', 'strategy'] : ['strategy', 'plain'];
      for (const which of order) {
        if (which === 'plain') {
          const { ms, sizeBytes } = await etcdctlSave(cluster, join(dir, `plain-${i}.db`));
          bytes = sizeBytes;
          plain.push(megabytesPerSecond(sizeBytes, ms));
          continue;
        }
        const t0 = performance.now();
        manifest = await strategy.backup(ctx, {});
        const ms = elapsedMs(t0);
        const meta = manifest.metadata as { sizeBytes?: number; durations?: { snapshotMs?: number } };
        whole.push(megabytesPerSecond(meta.sizeBytes ?? 0, ms));
        save.push(megabytesPerSecond(meta.sizeBytes ?? 0, meta.durations?.snapshotMs ?? 0));
      }
    }
    const etcdutlRestoreSeconds = await etcdutlRestore(cluster, join(dir, 'plain-0.db'), join(dir, 'restored'));
    const t0 = performance.now();
    await strategy.restore(ctx, manifest!, {});
    const strategyRestoreSeconds = elapsedMs(t0) / 1000;
    return {
      snapshotBytes: bytes,
      etcdctlSaveMBps: summarize(plain),
      strategySaveMBps: summarize(save),
      strategyBackupMBps: summarize(whole),
      etcdutlRestoreSeconds,
      strategyRestoreSeconds,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function etcdctlSave(cluster: LocalCluster, path: string): Promise<{ ms: number; sizeBytes: number }> {
  const e = cluster.etcd;
  const args = [`--endpoints=${e.endpoints[0]}`, `--cacert=${e.caFile}`, `--cert=${e.certFile}`, `--key=${e.keyFile}`, 'snapshot', 'save', path];
  const t0 = performance.now();
  await execa(cluster.state.binaries.etcdctl!, args, { env: { ETCDCTL_API: '3' } });
  const ms = elapsedMs(t0);
  const sizeBytes = (await stat(path)).size;
  await rm(path, { force: true }).catch(() => undefined);
  return { ms, sizeBytes };
}

async function etcdutlRestore(cluster: LocalCluster, snapshot: string, dataDir: string): Promise<number> {
  // The first plain snapshot was removed after timing: take one more, untimed, to restore from.
  const { sizeBytes } = await cluster.takeEtcdSnapshot(snapshot);
  if (sizeBytes === 0) return Number.NaN;
  const t0 = performance.now();
  await execa(cluster.state.binaries.etcdutl!, ['snapshot', 'restore', snapshot, `--data-dir=${dataDir}`]);
  const seconds = elapsedMs(t0) / 1000;
  await rm(dataDir, { recursive: true, force: true });
  return seconds;
}
