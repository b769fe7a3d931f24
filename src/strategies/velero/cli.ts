import { execa } from 'execa';
import { KdrillError } from '../../core/errors.js';
import type { DrillContext } from '../../contracts/types.js';
import type { KubeObject } from '../../kube/types.js';
import type { VeleroBinaries } from './binaries.js';
import { VELERO_NAMESPACE, waitUntil } from './server.js';

/** `velero <args>` against the context's cluster; E_COMMAND with its output when it fails. */
export async function velero(ctx: DrillContext, bin: VeleroBinaries, args: string[], timeoutMs: number): Promise<string> {
  const result = await execa(bin.velero, [...args, '--kubeconfig', ctx.cluster.kubeconfigPath, '--namespace', VELERO_NAMESPACE], {
    reject: false, timeout: timeoutMs, cancelSignal: ctx.signal, env: { HOME: ctx.workDir },
  });
  if (result.exitCode !== 0 || result.failed) {
    throw new KdrillError('E_COMMAND', `velero ${args.slice(0, 3).join(' ')} failed: ${String(result.stderr || result.stdout || result.message).trim().split('\n').slice(-5).join(' | ')}`, {
      hint: 'see the velero server log in the scenario report folder',
    });
  }
  return result.stdout;
}

/** What a finished Backup or Restore says of itself. */
export interface VeleroOutcome {
  phase: string;
  warnings: number;
  errors: number;
  itemsDone: number;
  itemsTotal: number;
  failureReason?: string;
}

const DONE = new Set(['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation']);

/** Waits until the Velero object (`backups` or `restores`) reaches a final phase and returns its status. */
export async function waitFinished(ctx: DrillContext, kind: 'backups' | 'restores', name: string, timeoutMs: number): Promise<VeleroOutcome> {
  const path = `/apis/velero.io/v1/namespaces/${VELERO_NAMESPACE}/${kind}/${name}`;
  const status = await waitUntil(async () => {
    const obj = await ctx.client.getOptional<KubeObject>(path);
    const s = (obj?.status ?? {}) as { phase?: string };
    return s.phase && DONE.has(s.phase) ? (obj!.status as Record<string, unknown>) : undefined;
  }, timeoutMs, ctx.signal, `velero ${kind.slice(0, -1)} ${name} finishes`, 'raise the strategy option timeoutSeconds, or read the velero server log');
  const progress = (status.progress ?? {}) as { itemsBackedUp?: number; itemsRestored?: number; totalItems?: number };
  return {
    phase: String(status.phase),
    warnings: Number(status.warnings ?? 0),
    errors: Number(status.errors ?? 0),
    itemsDone: Number(progress.itemsBackedUp ?? progress.itemsRestored ?? 0),
    itemsTotal: Number(progress.totalItems ?? 0),
    ...(typeof status.failureReason === 'string' ? { failureReason: status.failureReason } : {}),
  };
}
