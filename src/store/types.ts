import type { WrappedKey } from '../crypto/types.js';

/** One file of a backup as listed in its manifest. */
export interface ArtifactEntry {
  /** Relative path inside the backup, e.g. `etcd/snapshot.db` or `resources/v1/secrets.json.sealed`. */
  name: string;
  size: number;
  sha256: string;
  /** True when the file is sealed with the backup's data key (AES-256-GCM, name as AAD). */
  sealed: boolean;
  /** Media type hint, e.g. application/json, application/x-etcd-snapshot. */
  mediaType?: string;
}

/** The manifest every backup carries: what it is, where it came from, and a hash of every file. */
export interface BackupManifest {
  formatVersion: 1;
  id: string;
  strategy: string;
  createdAt: string;
  cluster: { name: string; provider: string; kubernetesVersion: string; etcdVersion?: string };
  /** The wrapped data key; absent when nothing in the backup is sealed. */
  dataKey?: WrappedKey;
  artifacts: ArtifactEntry[];
  /** Strategy-specific facts (object counts, snapshot revision...). Never secret values. */
  metadata: Record<string, unknown>;
  /** sha256 over the canonical JSON of every field above: tamper evidence for the manifest itself. */
  /**
   * HMAC-SHA256 over the manifest (without rootHash, rootMac and the wrapped key), keyed from the data key: only a
   * holder of the KEK could have written it, so an edited entry with a recomputed rootHash is still caught.
   */
  rootMac?: string;
  rootHash: string;
}

export interface BackupSummary {
  id: string;
  strategy: string;
  createdAt: string;
  cluster: string;
  sizeBytes: number;
}

/** Writes one backup; nothing is visible to readers until `commit`. */
export interface BackupWriter {
  readonly id: string;
  /** Stores a file; `sealed` encrypts it with the backup's data key first. */
  put(name: string, data: Buffer, options?: { sealed?: boolean; mediaType?: string }): Promise<ArtifactEntry>;
  /** Stores a file from disk (large etcd snapshots) without loading it in memory when not sealed. */
  putFile(name: string, path: string, options?: { sealed?: boolean; mediaType?: string }): Promise<ArtifactEntry>;
  commit(metadata: Record<string, unknown>): Promise<BackupManifest>;
  abort(): Promise<void>;
}

/** Reads one committed backup, verifying hashes (and decrypting sealed files) on every read. */
export interface BackupReader {
  readonly manifest: BackupManifest;
  /** Returns the plaintext; throws E_BACKUP_CORRUPT on a hash mismatch or failed decryption. */
  get(name: string): Promise<Buffer>;
  /** Copies a (non-sealed or decrypted) artifact to a local path, verified. */
  getToFile(name: string, path: string): Promise<void>;
  /** Re-hash every artifact and decrypt every sealed one: the `backups verify` command. */
  verify(): Promise<{ ok: boolean; problems: string[] }>;
}

/** Where backups live: a local directory (default) or an S3-compatible bucket. One file per store type. */
export interface BackupStore {
  readonly type: string;
  /** Location for reports, e.g. the directory path or s3://bucket/prefix. */
  describe(): string;
  create(init: { strategy: string; cluster: BackupManifest['cluster'] }): Promise<BackupWriter>;
  open(id: string): Promise<BackupReader>;
  list(): Promise<BackupSummary[]>;
}
