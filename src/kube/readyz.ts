import type { KubeClient } from './client.js';

/** What `/readyz?verbose` says: 200 or not, whether the apiserver answered at all, and the failing checks by name. */
export interface Readiness {
  ready: boolean;
  answered: boolean;
  /** Names of the `[-]name failed` lines. */
  failing: string[];
}

export async function readiness(client: Pick<KubeClient, 'raw'>, signal?: AbortSignal): Promise<Readiness> {
  const readyz = await client.raw('/readyz?verbose', signal).catch(() => ({ status: 0, body: '' }));
  const failing = readyz.body.split('\n').filter((line) => line.startsWith('[-]')).map((line) => line.slice(3).split(' ')[0]!);
  return { ready: readyz.status === 200, answered: readyz.status !== 0, failing };
}
