import { existsSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { onCleanup } from '../../core/cleanup.js';
import type { Logger } from '../../core/logger.js';
import { runCommand } from '../command.js';
import { waitForApiReady } from '../ready.js';
import type { Cluster, ClusterSecretsMaterial, ClusterVersions, ComponentName } from '../types.js';
import { crictlKill, kindDelete } from './commands.js';
import { restoreEtcdSnapshot, saveEtcdSnapshot, waitEtcdHealthy } from './etcd.js';
import { KindNode } from './node.js';

/** Host copies of the node's PKI that kdrill seals into etcd backups, by ClusterSecretsMaterial field. */
export const KIND_PKI = {
  caCertPath: '/etc/kubernetes/pki/ca.crt',
  caKeyPath: '/etc/kubernetes/pki/ca.key',
  serviceAccountKeyPath: '/etc/kubernetes/pki/sa.key',
  serviceAccountPublicKeyPath: '/etc/kubernetes/pki/sa.pub',
} as const;

/** Where the host copy of a node PKI file lives in the cluster's folder (`<dir>/pki/ca.crt`, ...). */
export function pkiHostPath(dir: string, nodePath: string): string {
  return join(dir, 'pki', basename(nodePath));
}

/**
 * A kind cluster kdrill created. Components are kubeadm static pods on the control-plane node: stop/start move the
 * manifest out of and back into /etc/kubernetes/manifests, kill SIGKILLs the container through the CRI (the kubelet
 * restarts it, as after a crash). etcd is reached inside its container with crictl, so it works while the apiserver is down.
 */
export class KindCluster implements Cluster {
  readonly provider = 'kind';
  readonly createdByKdrill = true;
  readonly components: readonly ComponentName[] = ['etcd', 'kube-apiserver', 'kube-controller-manager'];
  readonly node: KindNode;
  private destroyed = false;
  private readonly forgetCleanup: () => void;

  constructor(
    readonly name: string,
    /** Host folder with the kubeconfig, kind config and PKI copies; removed by destroy(). */
    readonly dir: string,
    readonly versions: ClusterVersions,
    private readonly logger: Logger,
    private readonly etcdutlPath: string | undefined,
  ) {
    this.node = new KindNode(`${name}-control-plane`);
    this.forgetCleanup = onCleanup(() => this.destroy());
  }

  get kubeconfigPath(): string {
    return join(this.dir, 'kubeconfig');
  }

  get secretsMaterial(): ClusterSecretsMaterial {
    return Object.fromEntries(Object.entries(KIND_PKI).map(([field, nodePath]) => [field, pkiHostPath(this.dir, nodePath)]));
  }

  async stopComponent(component: ComponentName): Promise<void> {
    await this.node.moveManifest(component, 'stopped');
    await this.node.waitContainer(component, false, 120_000);
  }

  async startComponent(component: ComponentName): Promise<void> {
    await this.node.moveManifest(component, 'running');
    const id = await this.node.waitContainer(component, true, 180_000);
    // Each component is ready by its own measure: the apiserver may be down on purpose while etcd comes back.
    if (component === 'kube-apiserver') await this.waitReady();
    if (component === 'etcd') await waitEtcdHealthy(this.node, id ?? '', (await this.node.readEtcdManifest()).manifest);
  }

  async killComponent(component: ComponentName): Promise<void> {
    const ids = await this.node.containerIds(component);
    if (ids.length > 0) await this.node.exec(crictlKill(ids));
    this.logger.debug('killed', { cluster: this.name, component, containers: ids.length });
  }

  waitReady(timeoutMs = 180_000): Promise<void> {
    return waitForApiReady(this.kubeconfigPath, timeoutMs, { label: `kind cluster ${this.name}` });
  }

  takeEtcdSnapshot(destPath: string): Promise<{ path: string; sizeBytes: number }> {
    return saveEtcdSnapshot(this.node, destPath);
  }

  /**
   * Restore etcd in place (see restoreEtcdSnapshot in ./etcd.ts). From `material`, the service-account key pair is
   * installed so tokens of the snapshot's cluster validate; the CA and an encryption config are not (the node's
   * certificates are signed by its own CA, and kind clusters run without encryption at rest).
   */
  async restoreEtcdSnapshot(snapshotPath: string, material?: ClusterSecretsMaterial): Promise<void> {
    const install: [string, string][] = [];
    const key = material?.serviceAccountKeyPath;
    const pub = material?.serviceAccountPublicKeyPath;
    if (key && pub && existsSync(key) && existsSync(pub) && key !== this.secretsMaterial.serviceAccountKeyPath) {
      install.push([key, KIND_PKI.serviceAccountKeyPath], [pub, KIND_PKI.serviceAccountPublicKeyPath]);
    }
    if (material?.encryptionConfigPath || (material?.caKeyPath && material.caKeyPath !== this.secretsMaterial.caKeyPath)) {
      this.logger.warn('kind restore: the backup CA and encryption config are not installed (kind keeps its own)', { cluster: this.name });
    }
    await restoreEtcdSnapshot(this.node, snapshotPath, { logger: this.logger, install, ...(this.etcdutlPath ? { etcdutlPath: this.etcdutlPath } : {}) });
    // Keep the host copies equal to what the node now uses: the next backup seals them.
    if (key && pub && install.length > 0) {
      await copyFile(key, this.secretsMaterial.serviceAccountKeyPath!);
      await copyFile(pub, this.secretsMaterial.serviceAccountPublicKeyPath!);
    }
    await this.waitReady(300_000);
  }

  /** `kind delete cluster` (removes the node containers), then kdrill's host folder. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.forgetCleanup();
    try {
      await runCommand(kindDelete(this.name, this.kubeconfigPath), { timeoutMs: 180_000 });
    } catch (error) {
      this.logger.warn('kind delete cluster failed', { cluster: this.name, error: (error as Error).message });
    }
    await rm(this.dir, { recursive: true, force: true });
    this.logger.debug('kind cluster destroyed', { cluster: this.name });
  }
}
