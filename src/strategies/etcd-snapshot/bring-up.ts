import { describeError, isKdrillError } from '../../core/errors.js';
import type { DrillContext } from '../../contracts/types.js';
import type { Cluster, ClusterSecretsMaterial } from '../../providers/types.js';

type RestoreCall = NonNullable<Cluster['restoreEtcdSnapshot']>;

/**
 * Runs the provider's restore and waits for readiness. With `restoreMaterial: false` a target that cannot decrypt the
 * restored Secrets never gets ready (its informers cannot list them) yet still serves the API: that state is returned
 * as notes for the checks to judge instead of failing the restore. Any other failure is thrown.
 */
export async function bringUp(
  ctx: DrillContext,
  restore: RestoreCall,
  snapshotPath: string,
  material: ClusterSecretsMaterial | undefined,
  readyTimeoutMs: number,
): Promise<string[]> {
  try {
    await restore(snapshotPath, material);
    await ctx.cluster.waitReady(readyTimeoutMs);
    return [];
  } catch (error) {
    const notReady = isKdrillError(error) && (error.code === 'E_CLUSTER_START' || error.code === 'E_TIMEOUT');
    if (material !== undefined || !notReady || !(await answers(ctx))) throw error;
    return degradedNotes(ctx);
  }
}

async function answers(ctx: DrillContext): Promise<boolean> {
  const version = await ctx.client.raw('/version').catch(() => ({ status: 0 }));
  return version.status === 200;
}

async function degradedNotes(ctx: DrillContext): Promise<string[]> {
  const { cluster } = ctx;
  const notes: string[] = [];
  // The provider stopped starting components at the first one that was not ready; start the rest (each is idempotent).
  for (const component of cluster.components) {
    await cluster.startComponent(component).catch((error: unknown) => notes.push(`${component} did not start: ${describeError(error).split('\n')[0]}`));
  }
  const failing = await failingReadyz(ctx);
  notes.unshift(
    `DEGRADED: cluster ${cluster.name} serves the API but is not ready (failing readyz checks: ${failing.join(', ') || 'unknown'}); ` +
      "expected with restoreMaterial false: Secrets encrypted with the backup's keys cannot be decrypted by the target, run the checks to see which",
  );
  ctx.logger.warn('etcd restore left the cluster degraded', { cluster: cluster.name, failing });
  return notes;
}

/** Names of the failing /readyz checks (`[-]name failed`). */
async function failingReadyz(ctx: DrillContext): Promise<string[]> {
  const readyz = await ctx.client.raw('/readyz?verbose').catch(() => ({ status: 0, body: '' }));
  return readyz.body
    .split('\n')
    .filter((line) => line.startsWith('[-]'))
    .map((line) => line.slice(3).split(' ')[0]!);
}
