import type { StartedK3sContainer } from '@testcontainers/k3s';
import { parse, stringify } from 'yaml';
import { KdrillError } from '../../core/errors.js';
import { ETCD_METRICS_PORT, etcdVersionFromMetrics, K3S_PATHS, k3sServerArgs, SUPERVISOR_SCRIPT } from './supervisor.js';

/** Labels on every container kdrill starts, so `docker ps --filter label=dev.kdrill.cluster` finds leftovers. */
export const K3S_LABELS = { cluster: 'dev.kdrill.cluster', provider: 'dev.kdrill.provider' } as const;

export interface StartK3sOptions {
  /** Full image reference, e.g. `rancher/k3s:v1.37.1-k3s1`. */
  image: string;
  name: string;
  token: string;
  serverArgs: readonly string[];
  startupTimeoutMs: number;
}

/**
 * Start a privileged k3s container (testcontainers' K3sContainer) with kdrill's supervisor as PID 1, embedded etcd
 * and a known server token; resolves when k3s logged that its node controller synced.
 */
export async function startK3sContainer(options: StartK3sOptions): Promise<StartedK3sContainer> {
  // Loaded on demand: the CLI should not pay for testcontainers when another provider runs.
  const { K3sContainer } = await import('@testcontainers/k3s');
  const container = new K3sContainer(options.image)
    .withName(`kdrill-${options.name}`)
    .withLabels({ [K3S_LABELS.cluster]: options.name, [K3S_LABELS.provider]: 'k3s' })
    .withEntrypoint(['/bin/sh', K3S_PATHS.supervisor])
    .withCommand(k3sServerArgs(options.serverArgs))
    .withExposedPorts(ETCD_METRICS_PORT)
    .withCopyContentToContainer([
      { content: SUPERVISOR_SCRIPT, target: K3S_PATHS.supervisor, mode: 0o755 },
      { content: `${options.token}\n`, target: K3S_PATHS.token, mode: 0o600 },
    ])
    .withStartupTimeout(options.startupTimeoutMs);
  try {
    return await container.start();
  } catch (error) {
    const message = (error as Error).message;
    if (/already in use|Conflict/i.test(message)) {
      throw new KdrillError('E_CLUSTER_EXISTS', `a container named kdrill-${options.name} already exists`, {
        hint: `pick another cluster name, or remove the old one: docker rm -f kdrill-${options.name}`,
        cause: error,
      });
    }
    throw new KdrillError('E_CLUSTER_START', `k3s (${options.image}) did not start: ${message.split('\n')[0]}`, {
      hint: 'check that the image exists and that Docker can run privileged containers (docker run --privileged)',
      cause: error,
    });
  }
}

/** The kubeconfig k3s wrote, pointed at `server` (the host's mapped port instead of the container's 127.0.0.1:6443). */
export function kubeconfigWithServer(raw: string, server: string): string {
  const doc = parse(raw) as { clusters?: { cluster?: { server?: string } }[] } | null;
  if (!doc?.clusters?.length) throw new KdrillError('E_CLUSTER_START', 'the kubeconfig written by k3s has no clusters');
  for (const entry of doc.clusters) if (entry.cluster) entry.cluster.server = server;
  return stringify(doc);
}

/** The host URL of the container's apiserver port. */
export function apiServerUrl(container: StartedK3sContainer): string {
  return `https://${container.getHost()}:${container.getMappedPort(6443)}`;
}

/** etcd's version from its metrics endpoint, or undefined when it cannot be read (the report then omits it). */
export async function readEtcdVersion(container: StartedK3sContainer): Promise<string | undefined> {
  try {
    const url = `http://${container.getHost()}:${container.getMappedPort(ETCD_METRICS_PORT)}/metrics`;
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? etcdVersionFromMetrics(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}
