import { mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { onCleanup, removeOnExit } from '../../core/cleanup.js';
import { clusterLayout } from './layout.js';
import { generateClusterPki } from './pki.js';
import { writeClusterFiles } from './files.js';
import { assertPortFree, freePort } from './ports.js';
import { binaryVersions, resolveBinaries } from './binaries.js';
import { DEFAULT_CONTROLLERS, type Ports } from './flags.js';
import { LocalCluster } from './cluster.js';
import { isAlive } from './process.js';
import { readState, writeState, type LocalClusterState } from './state.js';
import { memberNames } from './etcd-topology.js';
import { clustersDir } from './paths.js';

export interface LocalClusterOptions {
  name?: string;
  /** Folder holding cluster dirs (default: clustersDir()). */
  home?: string;
  binDir?: string;
  ports?: Partial<Ports>;
  /** Keep etcd's fsync (benchmarks that claim durability); default off for speed. */
  fsync?: boolean;
  controllers?: string[];
  /** etcd members: 1 (default) or an odd number up to 5, each a process with peer TLS on loopback. */
  etcdMembers?: number;
  startTimeoutMs?: number;
  /** Keep running after this process exits (`kdrill cluster up`); otherwise Ctrl-C and exit destroy it. */
  persistent?: boolean;
  logger: Logger;
}

const PORT_ATTEMPTS = 3;

/**
 * Create and start a local cluster: PKI, config, etcd, kube-apiserver, kube-controller-manager; cleans up on any
 * failure. Ports are picked free, then bound by the components a moment later: on a busy host another process can
 * take one in between ("address already in use"), so the whole start is retried on fresh ports (unless fixed).
 */
export async function createLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createOnce(options);
    } catch (error) {
      if (options.ports || attempt >= PORT_ATTEMPTS || !/address already in use/.test(String((error as Error).message))) throw error;
      options.logger.warn(`a port picked for the cluster was taken before it could bind; starting again on new ports (attempt ${attempt + 1}/${PORT_ATTEMPTS})`);
    }
  }
}

async function createOnce(options: LocalClusterOptions): Promise<LocalCluster> {
  const name = options.name ?? `kdrill-${randomBytes(3).toString('hex')}`;
  assertClusterName(name);
  const root = join(options.home ?? clustersDir(), name);
  await assertNameFree(root, name);
  const binaries = await resolveBinaries({ binDir: options.binDir, logger: options.logger });
  const ports = await allocatePorts(options.ports ?? {});
  const layout = clusterLayout(root);
  await mkdir(root, { recursive: true, mode: 0o700 });
  // From here the dir holds a CA and service-account keys: it must not outlive a failure or a crash.
  const forgetDir = removeOnExit(root);
  const cluster = await prepareCluster(layout, name, ports, binaries, options).catch(async (error: unknown) => {
    await rm(root, { recursive: true, force: true });
    forgetDir();
    throw error;
  });
  const unregister = onCleanup(() => cluster.destroy());
  cluster.onDestroyed = () => {
    unregister();
    forgetDir();
  };
  cluster.onDetached = cluster.onDestroyed;
  try {
    await cluster.startAll(options.startTimeoutMs ?? 90_000);
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  if (options.persistent) await cluster.detach();
  return cluster;
}

async function prepareCluster(
  layout: ReturnType<typeof clusterLayout>,
  name: string,
  ports: Ports,
  binaries: Awaited<ReturnType<typeof resolveBinaries>>,
  options: LocalClusterOptions,
): Promise<LocalCluster> {
  const pki = await generateClusterPki(name);
  await writeClusterFiles(layout, pki, name, ports.apiserver);
  const state = {
    name,
    createdAt: new Date().toISOString(),
    ownerPid: options.persistent ? undefined : process.pid,
    ports,
    pids: {},
    binaries: binaries.paths as Record<string, string>,
    versions: await binaryVersions(binaries),
    controllers: options.controllers ?? DEFAULT_CONTROLLERS,
    fsync: options.fsync ?? false,
    ...(await etcdMembership(ports, options.etcdMembers ?? 1)),
  };
  await writeState(layout.stateFile, state);
  return new LocalCluster(layout, state, options.logger.child({ cluster: name }));
}

/** Ports and names of the members beyond the first, and the token they found their cluster with. */
async function etcdMembership(ports: Ports, count: number): Promise<Pick<LocalClusterState, 'etcdMembers' | 'etcdToken'>> {
  if (!Number.isInteger(count) || count < 1 || count > 5 || count % 2 === 0) {
    throw new KdrillError('E_SCENARIO_INVALID', `etcdMembers: ${count} is not 1, 3 or 5`, { hint: 'an even number of members tolerates no more failures than one fewer: use 1, 3 or 5' });
  }
  if (count === 1) return {};
  const names = memberNames(count);
  const etcdMembers = [{ name: names[0]!, clientPort: ports.etcdClient, peerPort: ports.etcdPeer }];
  for (const name of names.slice(1)) etcdMembers.push({ name, clientPort: await freePort(), peerPort: await freePort() });
  return { etcdMembers, etcdToken: `kdrill-${randomBytes(4).toString('hex')}` };
}

async function assertNameFree(root: string, name: string): Promise<void> {
  if (!existsSync(root)) return;
  const stateFile = join(root, 'cluster.json');
  const state = existsSync(stateFile) ? await readState(stateFile).catch(() => undefined) : undefined;
  const alive = state && Object.values(state.pids).some((pid) => pid !== undefined && isAlive(pid));
  if (alive) {
    throw new KdrillError('E_CLUSTER_EXISTS', `a local cluster named ${name} is already running`, {
      hint: `use another --name, or stop it with: kdrill cluster down ${name}`,
    });
  }
  // A leftover dir of a cluster that is gone: reuse the name.
  await rm(root, { recursive: true, force: true });
}

async function allocatePorts(requested: Partial<Ports>): Promise<Ports> {
  const ports: Ports = {
    etcdClient: requested.etcdClient ?? (await freePort()),
    etcdPeer: requested.etcdPeer ?? (await freePort()),
    apiserver: requested.apiserver ?? (await freePort()),
  };
  if (requested.etcdClient) await assertPortFree(requested.etcdClient, 'etcd (client)');
  if (requested.etcdPeer) await assertPortFree(requested.etcdPeer, 'etcd (peer)');
  if (requested.apiserver) await assertPortFree(requested.apiserver, 'kube-apiserver');
  return ports;
}

/** Re-attach to a cluster started by another kdrill process (for `cluster down`). */
export async function attachLocalCluster(root: string, logger: Logger): Promise<LocalCluster> {
  assertClusterName(basename(root));
  const layout = clusterLayout(root);
  if (!existsSync(layout.stateFile)) {
    throw new KdrillError('E_CLUSTER_NOT_FOUND', `no local cluster at ${root}`, { hint: 'list clusters with: kdrill cluster list' });
  }
  const cluster = new LocalCluster(layout, await readState(layout.stateFile), logger);
  cluster.persistent = true;
  return cluster;
}

/** Cluster names become directory names: only DNS labels, so `..` or `/` can never reach outside the clusters dir. */
export function assertClusterName(name: string): void {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
    throw new KdrillError('E_CLUSTER_NOT_FOUND', `invalid cluster name "${name}"`, {
      hint: 'use lowercase letters, digits and dashes (a DNS label, at most 63 characters)',
    });
  }
}
