/** The strategy id, also the manifest's `strategy`. */
export const STRATEGY_ID = 'etcd-snapshot';

/** Artifact holding the snapshot file exactly as etcd saved it (with its sha256 trailer). */
export const SNAPSHOT_ARTIFACT = 'etcd/snapshot.db';

/** Facts an etcd-snapshot manifest carries in `metadata` (never secret values). */
export interface SnapshotMetadata {
  revision: number;
  /** etcd's key-space hash from `snapshot status`. */
  hash: number;
  totalKeys: number;
  /** Size of the snapshot file. */
  sizeBytes: number;
  dbSizeBytes: number;
  /** sha256 trailer of the snapshot file (hex). */
  sha256: string;
  storageVersion: string;
  etcdVersion: string;
  kubernetesVersion: string;
  sealed: boolean;
  /** Secrets-material fields stored (encryptionConfigPath, serviceAccountKeyPath...). */
  material: string[];
  durations: { snapshotMs: number; verifyMs: number; storeMs: number; totalMs: number };
  snapshotMBps: number;
  storeMBps: number;
}

/** Throughput in MB/s (10^6 bytes), one decimal; 0 when nothing was timed. */
export function mbPerSecond(bytes: number, ms: number): number {
  if (ms <= 0) return 0;
  return Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;
}

/** Reads the metadata of an etcd-snapshot manifest; fields a foreign or older manifest lacks stay undefined. */
export function snapshotMetadata(metadata: Record<string, unknown>): Partial<SnapshotMetadata> {
  return metadata as Partial<SnapshotMetadata>;
}
