import type { Logger } from '../core/logger.js';

/** Control-plane components a provider may be able to stop, start or kill (chaos, etcd restore). */
export type ComponentName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager';

/** What a provider can do, reported as data so scenarios can be validated against it. */
export interface ProviderCapabilities {
  /** etcd snapshots (`takeEtcdSnapshot`, `restoreEtcdSnapshot`); raw reads only where the cluster also sets `Cluster.etcd`. */
  etcd: boolean;
  /** Components can be stopped, started and killed one by one. */
  componentControl: boolean;
  /** The provider can create a new empty cluster (restore target `fresh`). */
  createsClusters: boolean;
}

/** TLS client access to a cluster's etcd. */
export interface EtcdAccess {
  endpoints: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The member's data dir, when the provider owns it (local provider). */
  dataDir?: string;
}

export interface ClusterVersions {
  kubernetes: string;
  etcd?: string;
}

/** Files a restore needs besides the etcd data itself (sealed into etcd backups). */
export interface ClusterSecretsMaterial {
  /** The apiserver's EncryptionConfiguration: without it restored Secrets cannot be read. */
  encryptionConfigPath?: string;
  /** Service-account signing key pair: without it every issued token fails after restore. */
  serviceAccountKeyPath?: string;
  serviceAccountPublicKeyPath?: string;
  /** Cluster CA certificate and key. */
  caCertPath?: string;
  caKeyPath?: string;
  /** k3s server token: it encrypts k3s's bootstrap data inside etcd, so a restore onto another k3s cluster needs it. */
  serverTokenPath?: string;
}

/** One etcd member of a cluster whose provider runs each member itself. */
export interface EtcdMember {
  index: number;
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  running: boolean;
}

/** Per-member control of a provider-run etcd (local provider): chaos on one member, member replacement. */
export interface EtcdMemberControl {
  list(): EtcdMember[];
  /** Index of the member every running member names as raft leader; undefined without one (quorum lost). */
  leader(): Promise<number | undefined>;
  stop(index: number): Promise<void>;
  /** SIGKILL, no grace period. */
  kill(index: number): Promise<void>;
  /** Start a stopped member; resolves when it reports healthy (which needs a quorum of members running). */
  start(index: number, timeoutMs?: number): Promise<void>;
  /** Remove a stopped member's data dir: its disk is lost. */
  wipe(index: number): Promise<void>;
  /**
   * Replace a member the way etcd documents it: `member remove` its old ID through the healthy members, empty its
   * data dir, `member add` it again and start it with --initial-cluster-state=existing; resolves once it has caught
   * up with the leader's revision.
   */
  replace(index: number, timeoutMs?: number): Promise<{ removedId?: string; addedId: string; revision: number }>;
}

/** How an etcd snapshot restore treats the members of a multi-member etcd. */
export interface EtcdRestoreOptions {
  /**
   * `all` (etcd's documented procedure): every member restored from the same snapshot with a new cluster token.
   * `first`: only the first member gets the snapshot, the others start from what their data dirs hold: the classic
   * mistake, kept so a drill can prove that etcd-consistency catches it.
   */
  members?: 'all' | 'first';
}

/** A running cluster. Every method is safe to call more than once. */
export interface Cluster {
  readonly name: string;
  readonly provider: string;
  /** True when kdrill created this cluster (destructive steps are allowed without opt-in). */
  readonly createdByKdrill: boolean;
  readonly kubeconfigPath: string;
  readonly versions: ClusterVersions;
  readonly etcd?: EtcdAccess;
  readonly secretsMaterial?: ClusterSecretsMaterial;
  /** Components this cluster can control (empty when componentControl is false). */
  readonly components: readonly ComponentName[];
  stopComponent(component: ComponentName): Promise<void>;
  startComponent(component: ComponentName): Promise<void>;
  /** SIGKILL, no grace period. */
  killComponent(component: ComponentName): Promise<void>;
  /** Waits until the API answers /readyz again (after chaos or a restore). */
  waitReady(timeoutMs?: number): Promise<void>;
  /**
   * Replace the cluster's etcd data with a snapshot (stop apiserver and controllers, restore, restart).
   * Only where `capabilities.etcd` is true.
   */
  restoreEtcdSnapshot?(snapshotPath: string, material?: ClusterSecretsMaterial, options?: EtcdRestoreOptions): Promise<void>;
  /** Per-member etcd control, where the provider runs the members (local). */
  readonly etcdMembers?: EtcdMemberControl;
  /** Let the cluster outlive this kdrill process (`--keep`); without it, kdrill's exit stops what it started. */
  detach?(): Promise<void>;
  /** Save an etcd snapshot to `destPath` (providers with etcd access). */
  takeEtcdSnapshot?(destPath: string): Promise<{ path: string; sizeBytes: number }>;
  /** Stop everything and remove every file the provider made. */
  destroy(): Promise<void>;
}

export interface CreateClusterOptions {
  name?: string;
  /** Provider-specific options from the scenario (validated against the provider's schema). */
  options?: Record<string, unknown>;
  logger: Logger;
  signal?: AbortSignal;
}

/** One cluster provider (local, k3s, kind, kubeconfig): one file or folder under src/providers/. */
export interface ClusterProvider {
  readonly id: string;
  /** One line for `kdrill list`. */
  readonly description: string;
  readonly capabilities: ProviderCapabilities;
  /** JSON Schema of the provider's options in a scenario. */
  readonly optionsSchema: Record<string, unknown>;
  /** Returns a one-line reason when the provider cannot run on this machine (no Docker, no kind binary). */
  unavailableReason(): Promise<string | undefined>;
  create(options: CreateClusterOptions): Promise<Cluster>;
}
