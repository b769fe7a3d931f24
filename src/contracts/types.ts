import type { TSchema } from '@sinclair/typebox';
import type { Logger } from '../core/logger.js';
import type { KubeClient } from '../kube/client.js';
import type { Cluster, ClusterProvider } from '../providers/types.js';
import type { BackupManifest, BackupStore } from '../store/types.js';
import type { KeyProvider } from '../crypto/types.js';
import type { Scenario, PhaseName } from '../scenario/schema.js';
import type { AuditLog } from '../audit/audit-log.js';

/** Wall-clock source, injectable for tests. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The shared context of one scenario run: every plugin call gets it; there are no module-level singletons. */
export interface DrillContext {
  readonly runId: string;
  readonly scenario: Scenario;
  /** Directory of the scenario file (fixtures and manifests resolve against it). */
  readonly scenarioDir: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** This scenario's report folder (the backup store defaults to a subfolder). */
  readonly artifactsDir: string;
  /** Scratch space, removed at teardown. */
  readonly workDir: string;
  readonly provider: ClusterProvider;
  /** The cluster under test; replaced when a restore targets a fresh cluster. */
  cluster: Cluster;
  client: KubeClient;
  store: BackupStore;
  keys: KeyProvider;
  audit: AuditLog;
  /** Canary values seeded by fixtures: checks scan artifacts for them; loggers redact them. */
  canaries: string[];
  /** The backup taken in the backup phase. */
  backup?: BackupManifest;
  /** Free-form facts plugins hand to each other (marker objects, seeded names). */
  facts: Map<string, unknown>;
  /** Create a new empty cluster with the scenario's provider (restore target `fresh`, wipe-cluster). */
  /** A new cluster kdrill owns: of the scenario's provider, or of `on.provider` (an isolated restore target). */
  createFreshCluster(purpose: string, on?: { provider: ClusterProvider; options: Record<string, unknown> }): Promise<Cluster>;
  /** Point the context at another cluster (new client, same audit/logger). */
  useCluster(cluster: Cluster): void;
}

export interface RestoreReport {
  /** Objects created, updated, unchanged, pruned, skipped (API strategies); zero for etcd restores. */
  counts: Record<string, number>;
  /** Lines worth showing in the report (warnings, plan entries). */
  notes: string[];
  /**
   * Set when the restore left the target serving but not ready, as its options made it (an etcd restore without the
   * backup's keys, or of one member only): the engine then does not wait for readiness, and the checks judge it.
   */
  degraded?: string;
}

/** A backup strategy: one file under src/strategies/. */
export interface BackupStrategy {
  readonly id: string;
  readonly description: string;
  readonly optionsSchema: TSchema;
  /** Restore targets the strategy supports. */
  readonly targets: readonly ('same' | 'fresh')[];
  /** Why this strategy cannot run against that cluster (e.g. no etcd access), or undefined. */
  unsupportedReason?(cluster: Cluster): string | undefined;
  /**
   * What a restore with these options deletes in its target (prune, an etcd restore replacing all data), or undefined
   * when it only creates and updates. The engine refuses it on a cluster kdrill did not create unless the scenario
   * sets cluster.allowDestructive, before anything is written.
   */
  restoreDeletes?(options: Record<string, unknown>): string | undefined;
  backup(ctx: DrillContext, options: Record<string, unknown>): Promise<BackupManifest>;
  restore(ctx: DrillContext, backup: BackupManifest, options: Record<string, unknown>): Promise<RestoreReport>;
  /**
   * Take a backup file another tool made (e.g. `etcdctl snapshot save`) into ctx.store as this strategy's backup,
   * checked before it is stored; `savedAt` is when the file was made (the drill's RPO counts from it).
   */
  importFile?(ctx: DrillContext, file: string, material: Record<string, string>): Promise<{ manifest: BackupManifest; savedAt: number }>;
  /**
   * The external tool this strategy drives is not on this machine (e.g. Velero's binaries): a one-line reason with
   * how to install it. A drill then skips the scenario and says why, instead of failing it.
   */
  missingTool?(options: Record<string, unknown>): string | undefined;
}

/** A chaos step: one file under src/chaos/. */
export interface ChaosStep {
  readonly id: string;
  readonly description: string;
  readonly optionsSchema: TSchema;
  /** Destructive steps refuse clusters kdrill did not create unless the scenario sets cluster.allowDestructive. */
  readonly destructive: boolean;
  /** Returns a summary line for the timeline. */
  run(ctx: DrillContext, options: Record<string, unknown>): Promise<string>;
}

export type CheckStatus = 'passed' | 'failed' | 'skipped' | 'error';

/** What a check found: pass/fail, a one-line summary, and structured evidence for the reports (never secret values). */
export interface CheckOutcome {
  status: CheckStatus;
  summary: string;
  evidence?: Record<string, unknown>;
  /** For a failure: the likely cause and what to change. */
  recommendation?: string;
  /** Evidence keys that decide the outcome, most telling first: reports show them first and outside the fold. */
  decisive?: string[];
}

/** A validation check: one file under src/checks/. */
export interface Check {
  readonly id: string;
  readonly description: string;
  readonly optionsSchema: TSchema;
  /** Capture what `verify` compares against (runs in the baseline phase, before the backup). */
  baseline?(ctx: DrillContext, options: Record<string, unknown>): Promise<unknown>;
  verify(ctx: DrillContext, options: Record<string, unknown>, baseline: unknown): Promise<CheckOutcome>;
}

export interface TimelineEntry {
  phase: PhaseName;
  /** A step inside the phase (chaos step, check, restore attempt); absent for the phase itself. */
  step?: string;
  startedAt: number;
  endedAt?: number;
  status: 'running' | 'passed' | 'failed' | 'skipped';
  note?: string;
}

export interface CheckResult extends CheckOutcome {
  id: string;
  name: string;
  expect: 'pass' | 'fail';
  /**
   * The check did what the scenario expected (status matches expect). A skipped check is as expected only when it
   * is optional or the run allowed skipped checks (--allow-skipped): a check that did not run proved nothing.
   */
  asExpected: boolean;
  /** The scenario marked the check `optional: true`: skipping it does not fail the scenario. */
  optional?: boolean;
  durationMs: number;
}

export interface IsolationReport {
  sourceCluster: string;
  sourceVersion: string;
  targetCluster: string;
  targetProvider: string;
  targetVersion: string;
  /** Kubernetes version recorded in the backup's manifest. */
  backupVersion?: string;
  /** e.g. "target is 7 minor versions newer than the source". Absent when the versions match. */
  skew?: string;
  /** group/version pairs the backup holds that the target does not serve. */
  unservedApiVersions: string[];
}

export interface ObjectiveResult {
  name: 'rto' | 'rpo';
  targetMs: number;
  target: string;
  measuredMs: number | undefined;
  passed: boolean;
  explanation: string;
}

export type Verdict = 'passed' | 'failed' | 'error';

export interface ScenarioResult {
  name: string;
  description?: string;
  file: string;
  scenarioHash: string;
  verdict: Verdict;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  error?: { code: string; message: string; hint?: string; phase?: PhaseName };
  environment: {
    provider: string;
    kubernetesVersion?: string;
    etcdVersion?: string;
    kdrillVersion: string;
    nodeVersion: string;
    platform: string;
  };
  backup?: { id: string; strategy: string; store: string; sizeBytes: number; artifacts: number; metadata: Record<string, unknown> };
  restore?: {
    strategy: string;
    target: 'same' | 'fresh';
    /** The provider of an isolated target (restore.target {provider, options}): a new cluster apart from the source. */
    isolatedProvider?: string;
    attempts: number;
    counts: Record<string, number>;
    notes: string[];
  };
  /** Source vs restore target, when they differ: versions, skew and API versions the target cannot serve. */
  isolation?: IsolationReport;
  measurements: {
    rtoMs?: number;
    rpoMs?: number;
    backupAgeMs?: number;
    lostWrites?: number;
    writesAfterBackup?: number;
    /** Mutating requests kdrill sent to the source cluster (counted for a cluster kdrill did not create). */
    sourceWrites?: number;
  };
  /** Where the comparing checks took their baseline: the source cluster, or the objects in the backup. */
  baselineSource?: 'source' | 'backup';
  timeline: TimelineEntry[];
  checks: CheckResult[];
  objectives: ObjectiveResult[];
  /** Files written for this scenario, relative to the run's output dir. */
  artifacts: string[];
  /** Clusters left running by --keep, and how to reach them. */
  keptClusters?: { name: string; kubeconfig: string }[];
}

export interface RunResults {
  formatVersion: 1;
  runId: string;
  kdrillVersion: string;
  startedAt: string;
  finishedAt: string;
  verdict: Verdict;
  /** The signal that stopped the run early (SIGINT, SIGTERM); absent when the run finished. */
  interrupted?: string;
  /** Command line options that shaped the run (shard, provider override). */
  invocation: { argv: string[]; shard?: string; provider?: string; allowSkipped?: boolean };
  scenarios: ScenarioResult[];
  /** Scenarios not run because a tool their strategy drives is missing on this machine, and why. */
  skippedScenarios?: { name: string; file: string; reason: string }[];
}

/** A reporter renders RunResults to files: one file under src/reporters/. */
export interface Reporter {
  readonly id: string;
  readonly description: string;
  /** Writes into outDir; returns the paths written. */
  write(results: RunResults, outDir: string): Promise<string[]>;
}
