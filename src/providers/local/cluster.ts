import { copyFile, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Cluster, ClusterSecretsMaterial, ComponentName, EtcdAccess, EtcdRestoreOptions } from '../types.js';
import type { ClusterLayout } from './layout.js';
import { apiserverArgs, controllerManagerArgs, etcdArgs } from './flags.js';
import { isAlive, killProcessGroup, logTail, startProcess, stopProcessGroup, type ManagedProcess } from './process.js';
import { pollUntil, tlsGet } from './health.js';
import { writeState, type LocalClusterState } from './state.js';
import { clientUrl, etcdMemberSpecs, type EtcdMemberSpec } from './etcd-topology.js';
import { LocalEtcdMembers } from './etcd-members.js';
import { restoreMemberData } from './etcd-restore.js';

const COMPONENTS: readonly ComponentName[] = ['etcd', 'kube-apiserver', 'kube-controller-manager'];

/** A control plane of three processes on loopback, owned by this object (or re-attached from cluster.json). */
export class LocalCluster implements Cluster {
  readonly provider = 'local';
  readonly createdByKdrill = true;
  readonly components = COMPONENTS;
  /** Running processes by component, and by member name for the members of a multi-member etcd. */
  private readonly running = new Map<string, ManagedProcess>();
  private destroyed = false;
  /** Called once the cluster is destroyed (drops its Ctrl-C cleanup handler). */
  onDestroyed: () => void = () => {};
  /** Called when the cluster is detached (drops exit-time cleanup). */
  onDetached: () => void = () => {};
  /** Processes outlive this kdrill process (clusters of `kdrill cluster up`, re-attached by later commands). */
  persistent = false;

  constructor(
    readonly layout: ClusterLayout,
    readonly state: LocalClusterState,
    private readonly logger: Logger,
  ) {}

  get name(): string {
    return this.state.name;
  }
  get kubeconfigPath(): string {
    return this.layout.kubeconfig;
  }
  get versions(): { kubernetes: string; etcd: string } {
    return this.state.versions;
  }
  get etcd(): EtcdAccess {
    const l = this.layout;
    return { endpoints: this.etcdMemberSpecs().map(clientUrl), caFile: l.caCert, certFile: l.etcdClientCert, keyFile: l.etcdClientKey, dataDir: l.etcdData };
  }
  /** Per-member control: stop, kill, wipe, replace one member. */
  get etcdMembers(): LocalEtcdMembers {
    return new LocalEtcdMembers(this);
  }
  /** The etcd members (one named `default` unless the cluster was created with several). */
  etcdMemberSpecs(): EtcdMemberSpec[] {
    return etcdMemberSpecs(this.state, this.layout);
  }
  get secretsMaterial(): ClusterSecretsMaterial {
    const l = this.layout;
    return { encryptionConfigPath: l.encryptionConfig, serviceAccountKeyPath: l.serviceAccountKey, serviceAccountPublicKeyPath: l.serviceAccountPub, caCertPath: l.caCert, caKeyPath: l.caKey };
  }
  /** Path of a component's log file. */
  logFile(component: ComponentName | string): string {
    return join(this.layout.logs, `${component}.log`);
  }

  /** Start all three components in order, waiting for each to be healthy. */
  async startAll(timeoutMs = 60_000): Promise<void> {
    for (const component of COMPONENTS) await this.startComponent(component, timeoutMs);
    await this.waitControllers(timeoutMs);
  }

  async startComponent(component: ComponentName, timeoutMs = 60_000): Promise<void> {
    // Members start together: none reports healthy before a quorum of them runs.
    if (component === 'etcd') await Promise.all(this.etcdMemberSpecs().map((m) => this.startMember(m, timeoutMs)));
    else await this.launch(component, this.state.binaries[component]!, this.argsFor(component), () => this.isHealthy(component), timeoutMs);
  }

  /** Start one etcd member and wait until it reports healthy. */
  async startMember(member: EtcdMemberSpec, timeoutMs = 60_000): Promise<void> {
    const start = { members: this.etcdMemberSpecs(), token: this.state.etcdToken ?? 'etcd-cluster', joining: this.state.etcdJoining?.includes(member.name) ?? false, fsync: this.state.fsync };
    const healthy = async () => (await tlsGet(member.clientPort, '/health', this.layout, 'etcd')).status === 200;
    await this.launch(member.processKey, this.state.binaries.etcd!, etcdArgs(this.layout, member, start), healthy, timeoutMs);
  }

  async stopComponent(component: ComponentName): Promise<void> {
    if (component === 'etcd') {
      await Promise.all(this.etcdMemberSpecs().map((m) => this.stopProcess(m.processKey, 10_000)));
      return;
    }
    // The apiserver drains open watches (the controller-manager's) before exiting on SIGTERM, which takes ~10 s or
    // more; 2 s of grace lets it finish in-flight writes, then it is killed.
    await this.stopProcess(component, component === 'kube-apiserver' ? 2_000 : 10_000);
  }

  async killComponent(component: ComponentName): Promise<void> {
    const keys = component === 'etcd' ? this.etcdMemberSpecs().map((m) => m.processKey) : [component];
    for (const key of keys) await this.killProcess(key);
  }

  /** SIGTERM one process (by component or member name), SIGKILL after `graceMs`. */
  async stopProcess(key: string, graceMs: number): Promise<void> {
    const pid = this.state.pids[key];
    if (pid !== undefined) await stopProcessGroup(pid, graceMs);
    await this.forget(key);
  }

  async killProcess(key: string): Promise<void> {
    const pid = this.state.pids[key];
    if (pid !== undefined) await killProcessGroup(pid);
    await this.forget(key);
  }

  /** True when the process of a component or member is alive. */
  isRunning(key: string): boolean {
    const pid = this.state.pids[key];
    return pid !== undefined && isAlive(pid);
  }

  /** Record cluster.json after a change to the members (tokens, joining members). */
  async saveState(): Promise<void> {
    await writeState(this.layout.stateFile, this.state);
  }

  private async launch(key: string, binary: string, args: string[], healthy: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    if (this.isRunning(key)) return;
    const proc = startProcess(binary, args, this.logFile(key));
    if (this.persistent) proc.detach();
    this.running.set(key, proc);
    this.state.pids[key] = proc.pid;
    await writeState(this.layout.stateFile, this.state);
    const ok = await pollUntil(healthy, timeoutMs, proc.hasExited);
    if (!ok) {
      const why = proc.hasExited() ? 'exited' : `was not healthy after ${Math.round(timeoutMs / 1000)}s`;
      throw new KdrillError('E_CLUSTER_START', `${key} of cluster ${this.name} ${why}; last log lines:\n${logTail(this.logFile(key))}`, {
        hint: `full log: ${this.logFile(key)}`,
      });
    }
    this.logger.debug(`${key} ready`, { cluster: this.name, pid: proc.pid });
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const ok = await pollUntil(() => this.isHealthy('kube-apiserver'), timeoutMs);
    if (!ok) throw new KdrillError('E_TIMEOUT', `cluster ${this.name}: apiserver not ready after ${timeoutMs / 1000}s`, { hint: `see ${this.logFile('kube-apiserver')}` });
  }

  async takeEtcdSnapshot(destPath: string): Promise<{ path: string; sizeBytes: number }> {
    const e = this.etcd;
    // A snapshot streams from one member: the first that answers /health.
    const member = await this.healthyMember();
    await execa(this.state.binaries.etcdctl!, [
      `--endpoints=${clientUrl(member)}`, `--cacert=${e.caFile}`, `--cert=${e.certFile}`, `--key=${e.keyFile}`,
      'snapshot', 'save', destPath,
    ], { env: { ETCDCTL_API: '3' } }).catch((error: Error) => {
      throw new KdrillError('E_COMMAND', `etcdctl snapshot save failed: ${error.message.split('\n').slice(-3).join(' ')}`);
    });
    return { path: destPath, sizeBytes: (await stat(destPath)).size };
  }

  /**
   * Replace etcd's data with a snapshot: stop controllers and apiserver (their caches would be stale), restore every
   * member from the same snapshot with a bumped revision and compaction mark (so no client watch resumes into the
   * past) and a new cluster token, install the backup's encryption config and service-account keys when given, then
   * restart everything.
   */
  async restoreEtcdSnapshot(snapshotPath: string, material?: ClusterSecretsMaterial, options: EtcdRestoreOptions = {}): Promise<void> {
    await this.stopComponent('kube-controller-manager');
    await this.stopComponent('kube-apiserver');
    await this.stopComponent('etcd');
    const members = this.etcdMemberSpecs();
    const token = members.length > 1 ? `kdrill-restore-${Date.now().toString(36)}` : (this.state.etcdToken ?? 'etcd-cluster');
    const restored = options.members === 'first' ? members.slice(0, 1) : members;
    await restoreMemberData(this.state.binaries.etcdutl!, snapshotPath, members, restored, token);
    this.state.etcdToken = token;
    delete this.state.etcdJoining;
    await this.saveState();
    await this.installMaterial(material);
    await this.startAll();
  }

  /** Let the processes outlive this kdrill process (`kdrill cluster up`). */
  async detach(): Promise<void> {
    this.persistent = true;
    for (const proc of this.running.values()) proc.detach();
    // No owner any more: `cluster list` must not call it orphaned.
    delete this.state.ownerPid;
    await writeState(this.layout.stateFile, this.state);
    this.onDetached();
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const keys = ['kube-controller-manager', 'kube-apiserver', ...this.etcdMemberSpecs().map((m) => m.processKey)];
    for (const key of keys) {
      const pid = this.state.pids[key];
      if (pid !== undefined) await killProcessGroup(pid);
    }
    this.running.clear();
    await rm(this.layout.root, { recursive: true, force: true });
    this.onDestroyed();
    this.logger.debug('cluster destroyed', { cluster: this.name });
  }

  /** The first member that answers /health (E_CLUSTER_START when none does). */
  private async healthyMember(): Promise<EtcdMemberSpec> {
    for (const member of this.etcdMemberSpecs()) {
      if ((await tlsGet(member.clientPort, '/health', this.layout, 'etcd')).status === 200) return member;
    }
    throw new KdrillError('E_CLUSTER_START', `no etcd member of cluster ${this.name} is healthy`, { hint: `see ${this.logFile('etcd')} and the member logs beside it` });
  }

  private async installMaterial(material?: ClusterSecretsMaterial): Promise<void> {
    const l = this.layout;
    const pairs: [string | undefined, string][] = [
      [material?.encryptionConfigPath, l.encryptionConfig],
      [material?.serviceAccountKeyPath, l.serviceAccountKey],
      [material?.serviceAccountPublicKeyPath, l.serviceAccountPub],
    ];
    for (const [from, to] of pairs) if (from && from !== to && existsSync(from)) await copyFile(from, to);
  }

  private async forget(key: string): Promise<void> {
    this.running.delete(key);
    delete this.state.pids[key];
    if (!this.destroyed && existsSync(this.layout.root)) await writeState(this.layout.stateFile, this.state);
  }

  private argsFor(component: Exclude<ComponentName, 'etcd'>): string[] {
    if (component === 'kube-apiserver') return apiserverArgs(this.layout, this.state.ports, this.etcdMemberSpecs());
    return controllerManagerArgs(this.layout, this.state.controllers);
  }

  private async isHealthy(component: ComponentName): Promise<boolean> {
    if (component === 'kube-apiserver') return (await tlsGet(this.state.ports.apiserver, '/readyz', this.layout, 'admin')).status === 200;
    // The controller-manager serves nothing (secure-port 0): being alive is the best local signal; waitControllers checks its work.
    return this.isRunning(component);
  }

  /** The controllers are working when the token and SA controllers populated `default/default` and kube-root-ca.crt. */
  private async waitControllers(timeoutMs: number): Promise<void> {
    const probe = async () =>
      (await tlsGet(this.state.ports.apiserver, '/api/v1/namespaces/default/serviceaccounts/default', this.layout, 'admin')).status === 200 &&
      (await tlsGet(this.state.ports.apiserver, '/api/v1/namespaces/default/configmaps/kube-root-ca.crt', this.layout, 'admin')).status === 200;
    const kcm = this.running.get('kube-controller-manager');
    if (!(await pollUntil(probe, timeoutMs, () => kcm?.hasExited() ?? false))) {
      throw new KdrillError('E_CLUSTER_START', `kube-controller-manager of cluster ${this.name} did not create the default ServiceAccount; last log lines:\n${logTail(this.logFile('kube-controller-manager'))}`, {
        hint: `full log: ${this.logFile('kube-controller-manager')}`,
      });
    }
  }
}
