import { copyFile, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Cluster, ClusterSecretsMaterial, ComponentName, EtcdAccess } from '../types.js';
import type { ClusterLayout } from './layout.js';
import { apiserverArgs, controllerManagerArgs, etcdArgs } from './flags.js';
import { isAlive, killProcessGroup, logTail, startProcess, stopProcessGroup, type ManagedProcess } from './process.js';
import { pollUntil, tlsGet } from './health.js';
import { writeState, type LocalClusterState } from './state.js';

const COMPONENTS: readonly ComponentName[] = ['etcd', 'kube-apiserver', 'kube-controller-manager'];

/** A control plane of three processes on loopback, owned by this object (or re-attached from cluster.json). */
export class LocalCluster implements Cluster {
  readonly provider = 'local';
  readonly createdByKdrill = true;
  readonly components = COMPONENTS;
  private readonly running = new Map<ComponentName, ManagedProcess>();
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
    return { endpoints: [`https://127.0.0.1:${this.state.ports.etcdClient}`], caFile: l.caCert, certFile: l.etcdClientCert, keyFile: l.etcdClientKey, dataDir: l.etcdData };
  }
  get secretsMaterial(): ClusterSecretsMaterial {
    const l = this.layout;
    return { encryptionConfigPath: l.encryptionConfig, serviceAccountKeyPath: l.serviceAccountKey, serviceAccountPublicKeyPath: l.serviceAccountPub, caCertPath: l.caCert, caKeyPath: l.caKey };
  }
  /** Path of a component's log file. */
  logFile(component: ComponentName): string {
    return join(this.layout.logs, `${component}.log`);
  }

  /** Start all three components in order, waiting for each to be healthy. */
  async startAll(timeoutMs = 60_000): Promise<void> {
    for (const component of COMPONENTS) await this.startComponent(component, timeoutMs);
    await this.waitControllers(timeoutMs);
  }

  async startComponent(component: ComponentName, timeoutMs = 60_000): Promise<void> {
    if (this.isRunning(component)) return;
    const proc = startProcess(this.state.binaries[component]!, this.argsFor(component), this.logFile(component));
    if (this.persistent) proc.detach();
    this.running.set(component, proc);
    this.state.pids[component] = proc.pid;
    await writeState(this.layout.stateFile, this.state);
    const ok = await pollUntil(() => this.isHealthy(component), timeoutMs, proc.hasExited);
    if (!ok) {
      const why = proc.hasExited() ? 'exited' : `was not healthy after ${Math.round(timeoutMs / 1000)}s`;
      throw new KdrillError('E_CLUSTER_START', `${component} of cluster ${this.name} ${why}; last log lines:\n${logTail(this.logFile(component))}`, {
        hint: `full log: ${this.logFile(component)}`,
      });
    }
    this.logger.debug(`${component} ready`, { cluster: this.name, pid: proc.pid });
  }

  async stopComponent(component: ComponentName): Promise<void> {
    const pid = this.state.pids[component];
    // The apiserver drains open watches (the controller-manager's) before exiting on SIGTERM, which takes ~10 s or
    // more; 2 s of grace lets it finish in-flight writes, then it is killed.
    if (pid !== undefined) await stopProcessGroup(pid, component === 'kube-apiserver' ? 2_000 : 10_000);
    await this.forget(component);
  }

  async killComponent(component: ComponentName): Promise<void> {
    const pid = this.state.pids[component];
    if (pid !== undefined) await killProcessGroup(pid);
    await this.forget(component);
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const ok = await pollUntil(() => this.isHealthy('kube-apiserver'), timeoutMs);
    if (!ok) throw new KdrillError('E_TIMEOUT', `cluster ${this.name}: apiserver not ready after ${timeoutMs / 1000}s`, { hint: `see ${this.logFile('kube-apiserver')}` });
  }

  async takeEtcdSnapshot(destPath: string): Promise<{ path: string; sizeBytes: number }> {
    const e = this.etcd;
    await execa(this.state.binaries.etcdctl!, [
      `--endpoints=${e.endpoints.join(',')}`, `--cacert=${e.caFile}`, `--cert=${e.certFile}`, `--key=${e.keyFile}`,
      'snapshot', 'save', destPath,
    ], { env: { ETCDCTL_API: '3' } }).catch((error: Error) => {
      throw new KdrillError('E_COMMAND', `etcdctl snapshot save failed: ${error.message.split('\n').slice(-3).join(' ')}`);
    });
    return { path: destPath, sizeBytes: (await stat(destPath)).size };
  }

  /**
   * Replace etcd's data with a snapshot: stop controllers and apiserver (their caches would be stale), restore with
   * a bumped revision and compaction mark (so no client watch resumes into the past), install the backup's
   * encryption config and service-account keys when given, then restart everything.
   */
  async restoreEtcdSnapshot(snapshotPath: string, material?: ClusterSecretsMaterial): Promise<void> {
    await this.stopComponent('kube-controller-manager');
    await this.stopComponent('kube-apiserver');
    await this.stopComponent('etcd');
    const fresh = `${this.layout.etcdData}.restore-${Date.now()}`;
    const peer = `https://127.0.0.1:${this.state.ports.etcdPeer}`;
    await execa(this.state.binaries.etcdutl!, [
      'snapshot', 'restore', snapshotPath, `--data-dir=${fresh}`, '--name=default',
      `--initial-cluster=default=${peer}`, `--initial-advertise-peer-urls=${peer}`,
      '--bump-revision=1000000000', '--mark-compacted',
    ]).catch(async (error: Error) => {
      await rm(fresh, { recursive: true, force: true });
      throw new KdrillError('E_BACKUP_CORRUPT', `etcdutl snapshot restore failed: ${error.message.split('\n').slice(-3).join(' ')}`, {
        hint: 'the snapshot is damaged or not an etcd snapshot: verify the backup (kdrill backups verify)',
      });
    });
    await rm(this.layout.etcdData, { recursive: true, force: true });
    await rename(fresh, this.layout.etcdData);
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
    for (const component of [...COMPONENTS].reverse()) {
      const pid = this.state.pids[component];
      if (pid !== undefined) await killProcessGroup(pid);
    }
    this.running.clear();
    await rm(this.layout.root, { recursive: true, force: true });
    this.onDestroyed();
    this.logger.debug('cluster destroyed', { cluster: this.name });
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

  private isRunning(component: ComponentName): boolean {
    const pid = this.state.pids[component];
    return pid !== undefined && isAlive(pid);
  }

  private async forget(component: ComponentName): Promise<void> {
    this.running.delete(component);
    delete this.state.pids[component];
    if (!this.destroyed && existsSync(this.layout.root)) await writeState(this.layout.stateFile, this.state);
  }

  private argsFor(component: ComponentName): string[] {
    const ports = this.state.ports;
    if (component === 'etcd') return etcdArgs(this.layout, ports, { fsync: this.state.fsync });
    if (component === 'kube-apiserver') return apiserverArgs(this.layout, ports);
    return controllerManagerArgs(this.layout, this.state.controllers);
  }

  private async isHealthy(component: ComponentName): Promise<boolean> {
    const p = this.state.ports;
    if (component === 'etcd') return (await tlsGet(p.etcdClient, '/health', this.layout, 'etcd')).status === 200;
    if (component === 'kube-apiserver') return (await tlsGet(p.apiserver, '/readyz', this.layout, 'admin')).status === 200;
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
