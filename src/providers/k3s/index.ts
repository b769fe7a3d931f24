import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { StartedK3sContainer } from '@testcontainers/k3s';
import { onCleanup } from '../../core/cleanup.js';
import { registerSensitive } from '../../core/redact.js';
import { KubeClient } from '../../kube/client.js';
import { parseDuration } from '../../scenario/duration.js';
import { Duration } from '../../scenario/schema.js';
import { containerRuntimeUnavailableReason } from '../docker.js';
import { kubernetesVersion, waitForApiReady } from '../ready.js';
import type { ClusterProvider, ClusterVersions, CreateClusterOptions } from '../types.js';
import { K3sCluster } from './cluster.js';
import { apiServerUrl, kubeconfigWithServer, readEtcdVersion, startK3sContainer } from './container.js';

/** k3s release used when a scenario names none: Kubernetes 1.37 (the image testcontainers' own k3s tests pin). */
export const DEFAULT_K3S_IMAGE = 'rancher/k3s';
export const DEFAULT_K3S_TAG = 'v1.37.1-k3s1';

export const K3sOptions = Type.Object(
  {
    image: Type.Optional(Type.String({ description: `image repository (default ${DEFAULT_K3S_IMAGE})` })),
    tag: Type.Optional(Type.String({ pattern: '^v1\\.\\d+\\.\\d+-k3s\\d+$', description: `k3s image tag (default ${DEFAULT_K3S_TAG})` })),
    serverArgs: Type.Optional(Type.Array(Type.String({ pattern: '^-' }), { description: 'extra `k3s server` flags, e.g. --disable=metrics-server' })),
    startupTimeout: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type K3sOptions = Static<typeof K3sOptions>;

/** Start a k3s cluster in a container and return it once its apiserver answers /readyz. */
export async function createK3sCluster({ name, options = {}, logger }: CreateClusterOptions): Promise<K3sCluster> {
  const opts = options as K3sOptions;
  const clusterName = name ?? `k3s-${randomBytes(3).toString('hex')}`;
  const image = `${opts.image ?? DEFAULT_K3S_IMAGE}:${opts.tag ?? DEFAULT_K3S_TAG}`;
  const timeoutMs = parseDuration(opts.startupTimeout ?? '4m');
  const token = randomBytes(24).toString('hex');
  registerSensitive(token);
  const dir = await mkdtemp(join(tmpdir(), `kdrill-${clusterName}-`));
  let container: StartedK3sContainer | undefined;
  // Ctrl-C during the start must not leave a privileged container behind.
  const forgetCleanup = onCleanup(async () => {
    await container?.stop({ remove: true, removeVolumes: true }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  try {
    logger.info('starting k3s', { cluster: clusterName, image });
    container = await startK3sContainer({ image, name: clusterName, token, serverArgs: opts.serverArgs ?? [], startupTimeoutMs: timeoutMs });
    await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigWithServer(container.getKubeConfig(), apiServerUrl(container)), { mode: 0o600 });
    await waitForApiReady(kubeconfigPath, timeoutMs, { label: `k3s cluster ${clusterName}` });
    const versions = await readVersions(kubeconfigPath, container);
    logger.info('k3s ready', { cluster: clusterName, kubernetes: versions.kubernetes, etcd: versions.etcd ?? 'unknown' });
    forgetCleanup();
    return new K3sCluster(clusterName, container, dir, versions, logger);
  } catch (error) {
    forgetCleanup();
    await container?.stop({ remove: true, removeVolumes: true }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function readVersions(kubeconfigPath: string, container: StartedK3sContainer): Promise<ClusterVersions> {
  const client = KubeClient.fromFile(kubeconfigPath);
  try {
    const kubernetes = await kubernetesVersion(client);
    const etcd = await readEtcdVersion(container);
    return etcd ? { kubernetes, etcd } : { kubernetes };
  } finally {
    client.close();
  }
}

/** Provider `k3s`: a single-node k3s (embedded etcd) in a privileged Docker container, via testcontainers. */
export const k3sProvider: ClusterProvider = {
  id: 'k3s',
  description: 'a k3s server (embedded etcd) in a privileged Docker container; etcd snapshots via k3s, whole-server chaos only',
  capabilities: { etcd: true, componentControl: true, createsClusters: true },
  optionsSchema: K3sOptions,
  unavailableReason: () => containerRuntimeUnavailableReason(),
  create: createK3sCluster,
};
