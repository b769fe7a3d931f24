import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { stringify } from 'yaml';
import { KdrillError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { KubeClient } from '../kube/client.js';
import { KubeApiError } from '../kube/errors.js';
import { kubernetesVersion, waitForApiReady } from './ready.js';
import { chooseContext, pinContext, readKubeconfig, resolveKubeconfigPath, type KubeconfigDoc } from './kubeconfig-file.js';
import type { Cluster, ClusterProvider, ClusterVersions, ComponentName, CreateClusterOptions } from './types.js';

const KubeconfigOptions = Type.Object(
  {
    path: Type.Optional(Type.String({ description: 'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)' })),
    context: Type.Optional(Type.String({ description: "context to use (default: the file's current-context)" })),
  },
  { additionalProperties: false },
);

/** An existing cluster reached through a kubeconfig. kdrill did not create it: destroy() never touches the cluster. */
export class KubeconfigCluster implements Cluster {
  readonly provider = 'kubeconfig';
  readonly createdByKdrill = false;
  readonly components: readonly ComponentName[] = [];

  constructor(
    readonly name: string,
    readonly kubeconfigPath: string,
    readonly versions: ClusterVersions,
    readonly context: string,
    /** A folder kdrill made for a context-pinned copy of the kubeconfig; removed by destroy(). */
    private readonly scratchDir: string | undefined,
  ) {}

  stopComponent(component: ComponentName): Promise<void> {
    return Promise.reject(noComponentControl(component));
  }
  startComponent(component: ComponentName): Promise<void> {
    return Promise.reject(noComponentControl(component));
  }
  killComponent(component: ComponentName): Promise<void> {
    return Promise.reject(noComponentControl(component));
  }

  waitReady(timeoutMs = 60_000): Promise<void> {
    return waitForApiReady(this.kubeconfigPath, timeoutMs, { label: `cluster ${this.name} (context ${this.context})` });
  }

  /** Removes only what kdrill wrote (the pinned kubeconfig copy); the cluster itself is left alone. */
  async destroy(): Promise<void> {
    if (this.scratchDir) await rm(this.scratchDir, { recursive: true, force: true });
  }
}

/** Connect to the cluster of `context` in `path`: validate the file, reach GET /version, and pin the context. */
export async function openKubeconfigCluster(options: { path?: string; context?: string; name?: string; logger: Logger }): Promise<KubeconfigCluster> {
  const path = resolveKubeconfigPath(options.path);
  const doc = await readKubeconfig(path);
  const context = chooseContext(doc, path, options.context);
  const client = await loadClient(path, context);
  let versions: ClusterVersions;
  try {
    versions = { kubernetes: await kubernetesVersion(client) };
  } catch (error) {
    throw unreachable(error, path, context, client.server);
  } finally {
    client.close();
  }
  // The engine builds its clients from kubeconfigPath with the current-context: a different context needs a pinned copy.
  const pinned = context === doc['current-context'] ? undefined : await writePinnedCopy(doc, context, path);
  options.logger.info('using an existing cluster', { context, server: client.server, kubernetes: versions.kubernetes });
  return new KubeconfigCluster(options.name ?? context, pinned?.file ?? path, versions, context, pinned?.dir);
}

async function loadClient(path: string, context: string): Promise<KubeClient> {
  // Imported here: client-node is heavy, and loading the provider registry (validate, list) must stay cheap.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
    kc.setCurrentContext(context);
    return new KubeClient(kc);
  } catch (error) {
    if (error instanceof KdrillError) throw error;
    throw new KdrillError('E_KUBECONFIG', `kubeconfig ${path} (context ${context}) is incomplete: ${(error as Error).message}`, {
      hint: 'every cluster needs a server and every context a cluster and a user: compare with `kubectl config view`',
    });
  }
}

function unreachable(error: unknown, path: string, context: string, server: string): KdrillError {
  if (error instanceof KubeApiError && (error.status === 401 || error.status === 403)) {
    return new KdrillError('E_KUBECONFIG', `${server} rejected the credentials of context ${context} in ${path} (HTTP ${error.status})`, {
      hint: 'refresh the user entry (expired token or certificate?) and check with `kubectl --context ' + context + ' version`',
    });
  }
  const why = error instanceof Error ? error.message : String(error);
  const what = error instanceof KubeApiError ? `${server} failed GET /version` : `cannot reach ${server}`;
  return new KdrillError('E_KUBECONFIG', `${what} (context ${context} in ${path}): ${why}`, {
    hint: `start the cluster or fix its server address; check with \`kubectl --kubeconfig ${path} --context ${context} version\``,
    cause: error,
  });
}

async function writePinnedCopy(doc: KubeconfigDoc, context: string, path: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'kdrill-kubeconfig-'));
  const file = join(dir, 'kubeconfig');
  await writeFile(file, stringify(pinContext(doc, context, path)), { mode: 0o600 });
  return { dir, file };
}

function noComponentControl(component: ComponentName): KdrillError {
  return new KdrillError('E_SCENARIO_INVALID', `the kubeconfig provider cannot stop, start or kill ${component}: kdrill does not own that control plane`, {
    hint: 'run component chaos against a cluster kdrill creates (provider local, k3s or kind)',
  });
}

/** Provider `kubeconfig`: drills against a cluster you already run. Destructive chaos needs cluster.allowDestructive. */
export const kubeconfigProvider: ClusterProvider = {
  id: 'kubeconfig',
  description: 'an existing cluster from a kubeconfig (never created or deleted by kdrill; no etcd or component access)',
  capabilities: { etcd: false, componentControl: false, createsClusters: false },
  optionsSchema: KubeconfigOptions,
  unavailableReason: async () => undefined,
  create: (options: CreateClusterOptions) =>
    openKubeconfigCluster({
      path: options.options?.path as string | undefined,
      context: options.options?.context as string | undefined,
      ...(options.name ? { name: options.name } : {}),
      logger: options.logger,
    }),
};
