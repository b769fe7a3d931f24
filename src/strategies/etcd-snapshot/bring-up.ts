import { describeError, isKdrillError } from '../../core/errors.js';
import type { DrillContext } from '../../contracts/types.js';
import type { Cluster, ClusterSecretsMaterial } from '../../providers/types.js';
import { readiness } from '../../kube/readyz.js';

type RestoreCall = NonNullable<Cluster['restoreEtcdSnapshot']>;

/**
 * Runs the provider's restore and waits for readiness. Two restores are expected to leave a target that serves the API
 * without getting ready, and that state is returned as notes for the checks to judge instead of failing the restore:
 * `restoreMaterial: false` (the target cannot decrypt the restored Secrets, so its informers cannot list them) and
 * `members: first` (members with different data answer differently). Any other failure is thrown.
 */
export async function bringUp(
  ctx: DrillContext,
  restore: RestoreCall,
  snapshotPath: string,
  material: ClusterSecretsMaterial | undefined,
  options: { readyTimeoutMs: number; members: 'all' | 'first' },
): Promise<string[]> {
  try {
    await restore(snapshotPath, material, { members: options.members });
    await ctx.cluster.waitReady(options.readyTimeoutMs);
    return [];
  } catch (error) {
    const notReady = isKdrillError(error) && (error.code === 'E_CLUSTER_START' || error.code === 'E_TIMEOUT');
    const why = degradedReason(material, options.members, ctx.cluster);
    if (!why || !notReady) throw error;
    // Members holding different data may even crash the apiserver: the checks read etcd directly and say so.
    const onePerMember = options.members === 'first';
    if (!onePerMember && !(await answers(ctx))) throw error;
    return degradedNotes(ctx, why);
  }
}

/** Why a restore may leave the target degraded, or undefined when it must not. */
function degradedReason(material: ClusterSecretsMaterial | undefined, members: 'all' | 'first', cluster: Cluster): string | undefined {
  if (members === 'first' && (cluster.etcdMembers?.list().length ?? 1) > 1) {
    return 'expected with members: first: only the first etcd member holds the snapshot, the others answer from their own data; run the checks to see how they differ';
  }
  if (material === undefined) {
    return "expected with restoreMaterial false: Secrets encrypted with the backup's keys cannot be decrypted by the target, run the checks to see which";
  }
  return undefined;
}

async function answers(ctx: DrillContext): Promise<boolean> {
  const version = await ctx.client.raw('/version').catch(() => ({ status: 0 }));
  return version.status === 200;
}

async function degradedNotes(ctx: DrillContext, why: string): Promise<string[]> {
  const { cluster } = ctx;
  const notes: string[] = [];
  // The provider stopped starting components at the first one that was not ready; start the rest (each is idempotent).
  for (const component of cluster.components) {
    await cluster.startComponent(component).catch((error: unknown) => notes.push(`${component} did not start: ${describeError(error).split('\n')[0]}`));
  }
  const { failing } = await readiness(ctx.client);
  const state = (await answers(ctx))
    ? `serves the API but is not ready (failing readyz checks: ${failing.join(', ') || 'unknown'})`
    : 'does not serve the API (kube-apiserver exited or does not answer)';
  notes.unshift(`DEGRADED: cluster ${cluster.name} ${state}; ${why}`);
  ctx.logger.warn('etcd restore left the cluster degraded', { cluster: cluster.name, failing });
  return notes;
}
