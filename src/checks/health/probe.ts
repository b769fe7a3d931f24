import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../../kube/client.js';
import { collectionPath, objectPath } from '../../kube/paths.js';
import type { KubeObject } from '../../kube/types.js';
import { labelValue } from './readyz.js';

/** Label on every probe object, so leftovers are one selector away. */
export const PROBE_LABEL = 'kdrill.dev/probe';
export const RUN_ID_LABEL = 'kdrill.dev/run-id';

/** Where a namespace probe failed. */
export interface ProbeFailure {
  namespace: string;
  step: 'create' | 'read' | 'delete';
  error: string;
}

/** `write` persists and deletes a probe object; `dry-run` only has the server admit and validate it (dryRun=All). */
export type ProbeMode = 'write' | 'dry-run';

/**
 * Create a labelled ConfigMap in `namespace`, read it back, delete it; the object is deleted even when a step fails.
 * In `dry-run` mode the create is a server dry run (admission, validation, the namespace's state: nothing persists)
 * and the answer must carry the nonce.
 */
export async function probeNamespace(client: KubeClient, namespace: string, runId: string, now: () => number, mode: ProbeMode = 'write'): Promise<{ ms: number; failure?: ProbeFailure }> {
  const started = now();
  const nonce = randomBytes(8).toString('hex');
  const name = `kdrill-probe-${nonce}`;
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: { [PROBE_LABEL]: 'true', [RUN_ID_LABEL]: labelValue(runId) || 'none' } },
    data: { nonce },
  };
  const fail = (step: ProbeFailure['step'], error: unknown) => ({ ms: now() - started, failure: { namespace, step, error: message(error) } });
  if (mode === 'dry-run') {
    try {
      const answer = await client.request<KubeObject>('POST', collectionPath('v1', 'configmaps', namespace), { body, query: { dryRun: 'All' } });
      const ok = (answer.data as Record<string, string> | undefined)?.nonce === nonce;
      return ok ? { ms: now() - started } : fail('create', 'the dry-run answer holds other data than sent');
    } catch (error) {
      return fail('create', error);
    }
  }
  try {
    await client.create(collectionPath('v1', 'configmaps', namespace), body);
  } catch (error) {
    return fail('create', error);
  }
  let readError: string | undefined;
  try {
    const back = await client.get<KubeObject>(objectPath('v1', 'configmaps', name, namespace));
    if ((back.data as Record<string, string> | undefined)?.nonce !== nonce) readError = 'read back a ConfigMap with other data than written';
  } catch (error) {
    readError = message(error);
  }
  try {
    await client.delete(objectPath('v1', 'configmaps', name, namespace));
  } catch (error) {
    return fail('delete', error);
  }
  return readError ? fail('read', readError) : { ms: now() - started };
}

/** Deletes probe objects of this run that a failed delete left behind, in every namespace; returns how many. */
export async function sweepProbes(client: KubeClient, runId: string): Promise<number> {
  const selector = `${PROBE_LABEL}=true,${RUN_ID_LABEL}=${labelValue(runId) || 'none'}`;
  const left = (await client.listAll('/api/v1/configmaps', { labelSelector: selector })).items;
  let removed = 0;
  for (const cm of left) if (await client.delete(objectPath('v1', 'configmaps', cm.metadata.name, cm.metadata.namespace)).catch(() => false)) removed++;
  return removed;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
