import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StartedK3sContainer } from '@testcontainers/k3s';
import { onCleanup } from '../../core/cleanup.js';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { registerSensitive } from '../../core/redact.js';
import { commandError } from '../command.js';
import { waitForApiReady } from '../ready.js';
import type { Cluster, ClusterSecretsMaterial, ClusterVersions, ComponentName } from '../types.js';
import { apiServerUrl, kubeconfigWithServer } from './container.js';
import { extractFirstFile } from './untar.js';
import { K3S_PATHS, parseResetResult, snapshotSaveArgs, supervisorCommand, type SupervisorAction } from './supervisor.js';

/**
 * A k3s server in a container kdrill started. k3s runs etcd, the apiserver and the controllers in ONE process, so the
 * only controllable component is `kube-apiserver`, and stopping or killing it takes the whole control plane (etcd and
 * controllers too) down with it; a killed server is restarted by the container's supervisor, as a kubelet would.
 */
export class K3sCluster implements Cluster {
  readonly provider = 'k3s';
  readonly createdByKdrill = true;
  readonly components: readonly ComponentName[] = ['kube-apiserver'];
  private destroyed = false;
  private readonly forgetCleanup: () => void;

  constructor(
    readonly name: string,
    private readonly container: StartedK3sContainer,
    /** Host folder with the kubeconfig and the token copy; removed by destroy(). */
    readonly dir: string,
    readonly versions: ClusterVersions,
    private readonly logger: Logger,
  ) {
    // Ctrl-C or a crash of kdrill must not leave a privileged container running.
    this.forgetCleanup = onCleanup(() => this.destroy());
  }

  get kubeconfigPath(): string {
    return join(this.dir, 'kubeconfig');
  }
  get secretsMaterial(): ClusterSecretsMaterial {
    return { serverTokenPath: join(this.dir, 'token') };
  }

  async stopComponent(component: ComponentName): Promise<void> {
    this.assertComponent(component);
    await this.supervise('stop');
    await this.waitServer(false, 90_000);
  }

  async startComponent(component: ComponentName): Promise<void> {
    this.assertComponent(component);
    await this.supervise('start');
    await this.waitServer(true, 30_000);
    await this.waitReady();
  }

  async killComponent(component: ComponentName): Promise<void> {
    this.assertComponent(component);
    await this.supervise('kill');
  }

  waitReady(timeoutMs = 180_000): Promise<void> {
    return waitForApiReady(this.kubeconfigPath, timeoutMs, { label: `k3s cluster ${this.name}` });
  }

  /** `k3s etcd-snapshot save` inside the container, then the file is streamed out and deleted there. */
  async takeEtcdSnapshot(destPath: string): Promise<{ path: string; sizeBytes: number }> {
    const name = `kdrill-${Date.now()}`;
    await this.exec(snapshotSaveArgs(name));
    const listing = await this.exec(['sh', '-c', 'for f in "$1"/"$2"-*; do [ -f "$f" ] && echo "$f"; done; true', 'kdrill', K3S_PATHS.snapshots, name]);
    const file = listing.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.endsWith('.part'));
    if (!file) {
      throw new KdrillError('E_COMMAND', `k3s etcd-snapshot save succeeded but no ${name}-* file is in ${K3S_PATHS.snapshots}`, {
        hint: 'check `k3s etcd-snapshot ls` inside the container; a custom --etcd-snapshot-dir or compression breaks this',
      });
    }
    const archive = await this.container.copyArchiveFromContainer(file);
    const sizeBytes = await extractFirstFile(archive as AsyncIterable<Buffer>, destPath);
    await this.exec(['sh', '-c', 'k3s etcd-snapshot delete "$1" >/dev/null 2>&1 || rm -f "$2"', 'kdrill', file.slice(file.lastIndexOf('/') + 1), file]).catch(
      (error: Error) => this.logger.warn('could not delete the snapshot inside the container', { file, error: error.message }),
    );
    this.logger.debug('etcd snapshot saved', { cluster: this.name, destPath, sizeBytes });
    return { path: destPath, sizeBytes };
  }

  /**
   * Copy the snapshot in, stop k3s, run `k3s server --cluster-reset --cluster-reset-restore-path=FILE` once, start k3s
   * again and wait until it is ready. A snapshot of another k3s cluster needs that cluster's token (material).
   */
  async restoreEtcdSnapshot(snapshotPath: string, material?: ClusterSecretsMaterial): Promise<void> {
    const target = `${K3S_PATHS.snapshots}/kdrill-restore-${Date.now()}.db`;
    await this.exec(['mkdir', '-p', K3S_PATHS.snapshots]);
    await this.container.copyFilesToContainer([{ source: resolve(snapshotPath), target, mode: 0o600 }]);
    await this.adoptToken(material);
    this.logger.info('k3s: restoring etcd with --cluster-reset', { cluster: this.name, snapshot: snapshotPath });
    // A server stopped by chaos would keep the supervisor idle: clear that first, the reset runs before k3s restarts.
    await this.supervise('start');
    await this.supervise('reset', target);
    const result = await this.waitResetResult(600_000);
    await this.exec(['rm', '-f', target]).catch(() => undefined);
    if (result.exitCode !== 0) {
      throw new KdrillError('E_COMMAND', `k3s --cluster-reset from ${snapshotPath} failed (exit ${result.exitCode}):\n${result.log}`, {
        hint: 'the snapshot may be damaged, or it comes from another k3s cluster whose server token was not supplied; k3s restarted on its old data',
      });
    }
    await this.waitReadyRefreshingKubeconfig(300_000);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.forgetCleanup();
    try {
      await this.container.stop({ remove: true, removeVolumes: true, timeout: 10_000 });
    } catch (error) {
      this.logger.warn('could not remove the k3s container', { cluster: this.name, container: this.container.getId(), error: (error as Error).message });
    }
    await rm(this.dir, { recursive: true, force: true });
    this.logger.debug('k3s cluster destroyed', { cluster: this.name });
  }

  /** Re-read k3s.yaml from the container: a restore of another cluster's snapshot brings that cluster's CA. */
  async refreshKubeconfig(): Promise<void> {
    const raw = join(this.dir, 'k3s.yaml');
    await extractFirstFile((await this.container.copyArchiveFromContainer(K3S_PATHS.kubeconfig)) as AsyncIterable<Buffer>, raw);
    const text = kubeconfigWithServer(await readFile(raw, 'utf8'), apiServerUrl(this.container));
    await writeFile(this.kubeconfigPath, text, { mode: 0o600 });
    await rm(raw, { force: true });
  }

  private async waitReadyRefreshingKubeconfig(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.refreshKubeconfig().catch(() => undefined);
      try {
        return await this.waitReady(Math.max(1_000, Math.min(15_000, deadline - Date.now())));
      } catch (error) {
        if (Date.now() >= deadline) throw error;
      }
    }
  }

  private async adoptToken(material?: ClusterSecretsMaterial): Promise<void> {
    if (!material?.serverTokenPath) return;
    const wanted = (await readFile(material.serverTokenPath, 'utf8')).trim();
    const current = (await readFile(join(this.dir, 'token'), 'utf8')).trim();
    if (wanted === current || wanted === '') return;
    registerSensitive(wanted);
    await this.container.copyContentToContainer([{ content: `${wanted}\n`, target: K3S_PATHS.token, mode: 0o600 }]);
    await writeFile(join(this.dir, 'token'), `${wanted}\n`, { mode: 0o600 });
    this.logger.info("k3s: using the snapshot's server token (it encrypts k3s's bootstrap data)", { cluster: this.name });
  }

  private async waitResetResult(timeoutMs: number): Promise<{ exitCode: number; log: string }> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const result = parseResetResult(await this.supervise('reset-result'));
      if (result) return result;
      await sleep(2_000);
    }
    throw new KdrillError('E_TIMEOUT', `k3s --cluster-reset did not finish within ${timeoutMs / 1000}s`, {
      hint: `inspect ${K3S_PATHS.state}/reset.log inside container ${this.container.getId()}`,
    });
  }

  private async waitServer(running: boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (((await this.supervise('pid')).trim() !== '') === running) return;
      await sleep(500);
    }
    throw new KdrillError('E_TIMEOUT', `k3s server of cluster ${this.name} did not ${running ? 'start' : 'stop'} within ${timeoutMs / 1000}s`, {
      hint: `docker logs ${this.container.getId()}`,
    });
  }

  private supervise(action: SupervisorAction, arg?: string): Promise<string> {
    return this.exec(supervisorCommand(action, arg));
  }

  private async exec(argv: string[]): Promise<string> {
    const result = await this.container.exec(argv);
    if (result.exitCode === 0) return result.stdout;
    throw commandError(
      { file: 'docker', args: ['exec', this.container.getId().slice(0, 12), ...argv] },
      { exitCode: result.exitCode, errorCode: undefined, timedOut: false, stderr: result.stderr || result.output },
    );
  }

  private assertComponent(component: ComponentName): void {
    if (component === 'kube-apiserver') return;
    throw new KdrillError('E_SCENARIO_INVALID', `k3s cannot control ${component} on its own: etcd, apiserver and controllers are one k3s process`, {
      hint: 'target kube-apiserver (which stops the whole k3s server), or use provider local or kind for per-component chaos',
    });
  }
}
