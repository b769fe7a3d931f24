import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { onCleanup } from '../../core/cleanup.js';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { KubeClient } from '../../kube/client.js';
import { parseDuration } from '../../scenario/duration.js';
import { Duration } from '../../scenario/schema.js';
import { runCommand, tryCommand } from '../command.js';
import { dockerUnavailableReason } from '../docker.js';
import { kubernetesVersion, waitForApiReady } from '../ready.js';
import type { ClusterProvider, ClusterVersions, CreateClusterOptions } from '../types.js';
import { KIND_PKI, KindCluster, pkiHostPath } from './cluster.js';
import { controlPlaneNode, kindCreate, kindDelete, kindGetClusters } from './commands.js';
import { KindNode } from './node.js';

export const KindOptions = Type.Object(
  {
    image: Type.Optional(Type.String({ description: 'node image, e.g. kindest/node:v1.35.0@sha256:… (default: the one your kind release pins)' })),
    config: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'a kind Cluster config (kind: Cluster, apiVersion: kind.x-k8s.io/v1alpha4); one control-plane node' }),
    ),
    wait: Type.Optional(Duration),
    etcdutlPath: Type.Optional(Type.String({ description: 'linux etcdutl copied into the node for restores when the etcd image ships none' })),
  },
  { additionalProperties: false },
);
export type KindOptions = Static<typeof KindOptions>;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** One line when kind cannot run here: the kind CLI is missing, or no Docker engine answers. */
export async function kindUnavailableReason(): Promise<string | undefined> {
  const kind = await tryCommand({ file: 'kind', args: ['version'] }, { timeoutMs: 10_000 });
  if (!kind.ok) return 'the kind CLI is not on PATH (or does not run): install it from https://kind.sigs.k8s.io or use --provider local';
  return dockerUnavailableReason();
}

/** `kind create cluster` into a private kubeconfig, wait for /readyz, copy the node's CA and SA keys out. */
export async function createKindCluster({ name, options = {}, logger }: CreateClusterOptions): Promise<KindCluster> {
  const opts = options as KindOptions;
  const clusterName = name ?? `kdrill-${randomBytes(3).toString('hex')}`;
  assertName(clusterName);
  await assertNew(clusterName);
  const dir = await mkdtemp(join(tmpdir(), `kdrill-${clusterName}-`));
  const kubeconfig = join(dir, 'kubeconfig');
  const forget = onCleanup(() => discard(clusterName, kubeconfig, dir));
  try {
    const configPath = opts.config ? await writeConfig(dir, opts.config) : undefined;
    const wait = opts.wait ?? '5m';
    logger.info('creating kind cluster', { cluster: clusterName, image: opts.image ?? 'kind default' });
    await runCommand(kindCreate({ name: clusterName, kubeconfig, wait, ...(opts.image ? { image: opts.image } : {}), ...(configPath ? { configPath } : {}) }), {
      timeoutMs: parseDuration(wait) + 600_000,
      hint: 'see kind output above; `kind create cluster --retain` keeps the node for `kind export logs`',
    });
    await chmod(kubeconfig, 0o600);
    await waitForApiReady(kubeconfig, 180_000, { label: `kind cluster ${clusterName}` });
    const node = new KindNode(controlPlaneNode(clusterName));
    const versions = await readVersions(kubeconfig, node);
    await copyPki(node, dir);
    logger.info('kind ready', { cluster: clusterName, kubernetes: versions.kubernetes, etcd: versions.etcd ?? 'unknown' });
    forget();
    return new KindCluster(clusterName, dir, versions, logger, opts.etcdutlPath);
  } catch (error) {
    forget();
    await discard(clusterName, kubeconfig, dir, logger);
    throw error;
  }
}

function assertName(name: string): void {
  if (NAME.test(name) && name.length <= 50) return;
  throw new KdrillError('E_SCENARIO_INVALID', `"${name}" is not a valid kind cluster name`, {
    hint: 'use lowercase letters, digits, dots and dashes, at most 50 characters',
  });
}

async function assertNew(name: string): Promise<void> {
  const { stdout } = await runCommand(kindGetClusters(), { timeoutMs: 60_000 });
  if (stdout.split('\n').map((l) => l.trim()).includes(name)) {
    throw new KdrillError('E_CLUSTER_EXISTS', `a kind cluster named ${name} already exists`, {
      hint: `pick another name, or delete it: kind delete cluster --name ${name}`,
    });
  }
}

/** Write the scenario's kind config; kdrill restores one etcd member, so one control-plane node only. */
export async function writeConfig(dir: string, config: Record<string, unknown>): Promise<string> {
  const nodes = Array.isArray(config.nodes) ? (config.nodes as { role?: string }[]) : [];
  const controlPlanes = nodes.filter((n) => (n.role ?? 'control-plane') === 'control-plane').length;
  if (controlPlanes > 1) {
    throw new KdrillError('E_SCENARIO_INVALID', `the kind config has ${controlPlanes} control-plane nodes; kdrill supports one`, {
      hint: 'keep one control-plane node (workers are fine): etcd restore and component chaos target a single member',
    });
  }
  const file = join(dir, 'kind-config.yaml');
  await writeFile(file, stringify({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', ...config }), { mode: 0o600 });
  return file;
}

async function readVersions(kubeconfig: string, node: KindNode): Promise<ClusterVersions> {
  const client = KubeClient.fromFile(kubeconfig);
  try {
    const kubernetes = await kubernetesVersion(client);
    const etcd = (await node.readEtcdManifest()).manifest.version;
    return etcd ? { kubernetes, etcd } : { kubernetes };
  } finally {
    client.close();
  }
}

async function copyPki(node: KindNode, dir: string): Promise<void> {
  await mkdir(join(dir, 'pki'), { mode: 0o700 });
  for (const nodePath of Object.values(KIND_PKI)) {
    const hostPath = pkiHostPath(dir, nodePath);
    await node.copyOut(nodePath, hostPath);
    await chmod(hostPath, 0o600);
  }
}

async function discard(name: string, kubeconfig: string, dir: string, logger?: Logger): Promise<void> {
  const result = await tryCommand(kindDelete(name, kubeconfig), { timeoutMs: 180_000 });
  if (!result.ok) logger?.warn('kind delete cluster failed', { cluster: name, stderr: result.stderr });
  await rm(dir, { recursive: true, force: true });
}

/** Provider `kind`: a Kubernetes-in-Docker cluster driven through the kind CLI. */
export const kindProvider: ClusterProvider = {
  id: 'kind',
  description: 'a kind (Kubernetes in Docker) cluster: kubeadm static pods, etcd snapshots via etcdctl, per-component chaos',
  capabilities: { etcd: true, componentControl: true, createsClusters: true },
  optionsSchema: KindOptions,
  unavailableReason: kindUnavailableReason,
  create: createKindCluster,
};
