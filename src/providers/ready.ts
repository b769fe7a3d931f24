import { setTimeout as sleep } from 'node:timers/promises';
import { isKdrillError, KdrillError } from '../core/errors.js';
import { KubeClient } from '../kube/client.js';

export interface WaitReadyOptions {
  /** The kubeconfig context (default: its current-context). */
  context?: string;
  /** Poll interval (default 500 ms). */
  intervalMs?: number;
  /** Who is waiting, for the error message (e.g. `k3s cluster drill-1`). */
  label: string;
  signal?: AbortSignal;
}

/**
 * Poll GET /readyz with the kubeconfig's credentials until it answers 200; E_TIMEOUT after `timeoutMs` naming the last
 * status seen. A new client per call: a restore can rewrite the kubeconfig (new CA) between two calls.
 */
export async function waitForApiReady(kubeconfigPath: string, timeoutMs: number, options: WaitReadyOptions): Promise<void> {
  const client = KubeClient.fromFile(kubeconfigPath, options.context);
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  try {
    while (Date.now() < deadline) {
      if (options.signal?.aborted) throw new KdrillError('E_ABORTED', `${options.label}: waiting for /readyz aborted`);
      try {
        const { status, body } = await client.raw('/readyz', options.signal);
        if (status === 200) return;
        last = `HTTP ${status}${body ? `: ${firstFailedCheck(body)}` : ''}`;
      } catch (error) {
        // A kubeconfig client-node cannot load (read with the first request) will not get better by waiting.
        if (isKdrillError(error) && error.code === 'E_KUBECONFIG') throw error;
        last = (error as Error).message;
      }
      await sleep(options.intervalMs ?? 500);
    }
  } finally {
    client.close();
  }
  throw new KdrillError('E_TIMEOUT', `${options.label}: the apiserver was not ready after ${Math.round(timeoutMs / 1000)}s (last: ${last})`, {
    hint: 'the control plane may still be starting on a slow machine: raise the timeout, or inspect the cluster logs',
  });
}

/** The `gitVersion` the apiserver reports on GET /version (e.g. `v1.37.1+k3s1`). */
export async function kubernetesVersion(client: KubeClient, timeoutMs = 10_000): Promise<string> {
  const info = await client.request<{ gitVersion?: string }>('GET', '/version', { timeoutMs });
  if (!info?.gitVersion) throw new KdrillError('E_KUBE_API', `GET /version on ${client.server} returned no gitVersion`);
  return info.gitVersion;
}

// /readyz answers 500 with one line per check ("[-]etcd failed: reason withheld"): the first failing one is the news.
function firstFailedCheck(body: string): string {
  const failed = body.split('\n').find((line) => line.startsWith('[-]'));
  return (failed ?? body.split('\n')[0] ?? '').slice(0, 200);
}
