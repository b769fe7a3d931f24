import type { Readable } from 'node:stream';
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
  /** The wrapped data key: every backup has one, sealed artifacts or not (it keys the MAC). */
  dataKey: WrappedKey;
  artifacts: ArtifactEntry[];
  /** Strategy-specific facts (object counts, snapshot revision...). Never secret values. */
  metadata: Record<string, unknown>;
  /**
   * HMAC-SHA256 over the manifest (everything but rootHash and rootMac, the wrapped key and its key id included), keyed
   * from the data key: only a holder of the KEK could have written it. Checked by `open()` before any read.
   */
  rootMac: string;
  /** sha256 over the canonical JSON of every field above: detects damage before any key is used (unkeyed). */
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
  /**
   * Stores what `body` produces, of a size not known in advance, holding none of it in memory: the stored bytes
   * (sealed first when `sealed`, so never plaintext) are spooled to a temporary file. When it fails, the name is free again.
   */
  putStream(name: string, body: Readable, options?: { sealed?: boolean; mediaType?: string }): Promise<ArtifactEntry>;
  commit(metadata: Record<string, unknown>): Promise<BackupManifest>;
  abort(): Promise<void>;
}

/** A backup written but never committed (no manifest): a crashed or running backup. */
export interface PartialBackup {
  id: string;
  /** Newest write among its files (ISO time); '' when it holds none. */
  lastWrite: string;
  objects: number;
  sizeBytes: number;
}

/** What `delete` did: removed, or refused because Object Lock retention (or a legal hold) is in force. */
export interface DeleteOutcome {
  id: string;
  status: 'deleted' | 'locked';
  /** Files (S3: object versions and delete markers) removed. */
  removed: number;
  lock?: BackupLock;
}

/** Object Lock on a backup: the latest retention date among its object versions, or a legal hold. */
export interface BackupLock {
  mode: string;
  until?: string;
  legalHold?: boolean;
}

/**
 * Reads one committed backup. `open()` has already unwrapped the data key, checked the manifest MAC and the seal
 * policy, so the manifest is authentic; every read still checks size and sha256 (and decrypts sealed files).
 */
export interface BackupReader {
  readonly manifest: BackupManifest;
  /** S3 with versioning: the version of manifest.json that was read (the one written at commit under Object Lock). */
  readonly manifestVersionId?: string;
  /** Returns the plaintext; throws E_BACKUP_CORRUPT on a hash mismatch or failed decryption. */
  get(name: string): Promise<Buffer>;
  /** Copies a (non-sealed or decrypted) artifact to a local path, verified. */
  getToFile(name: string, path: string): Promise<void>;
  /** Re-hash every artifact and decrypt every sealed one: the `backups verify` command. */
  verify(): Promise<{ ok: boolean; problems: string[] }>;
  /** Zeroes the data key; later reads fail. */
  close(): void;
}

/** Where backups live: a local directory (default) or an S3-compatible bucket. One file per store type. */
export interface BackupStore {
  readonly type: string;
  /** Location for reports, e.g. the directory path or s3://bucket/prefix. */
  describe(): string;
  create(init: { strategy: string; cluster: BackupManifest['cluster'] }): Promise<BackupWriter>;
  /** Unwraps the data key and checks the MAC and seal policy before returning: E_KEY*, E_BACKUP_CORRUPT otherwise. */
  open(id: string): Promise<BackupReader>;
  /** Committed backups, oldest first (summaries from manifests not yet authenticated). */
  list(): Promise<BackupSummary[]>;
  /** Backups written but never committed. */
  listPartial(): Promise<PartialBackup[]>;
  /** Object Lock in force on any file of the backup (always undefined for a local store). */
  lockOf(id: string, options?: { partial?: boolean }): Promise<BackupLock | undefined>;
  /** Removes a backup (manifest first, so it stops being a backup at once) unless locked; audited as backup.delete. */
  delete(id: string, options?: { partial?: boolean }): Promise<DeleteOutcome>;
}
