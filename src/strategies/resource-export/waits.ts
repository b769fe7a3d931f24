import { KdrillError } from '../../core/errors.js';
import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../kube/types.js';
import { abortableSleep, withRetry, type RetryPolicy } from './retry.js';

const POLL_MS = 250;

type Reader = Pick<KubeClient, 'getOptional'>;

/** Polls until `check` returns a value, re-reading after every pause; E_TIMEOUT with `what` at the deadline. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, policy: RetryPolicy, what: string, hint: () => string): Promise<T> {
  for (;;) {
    const value = await withRetry(check, policy);
    if (value !== undefined) return value;
    if (policy.now() + POLL_MS > policy.deadline) throw new KdrillError('E_TIMEOUT', `timed out waiting until ${what}`, { hint: hint() });
    await abortableSleep(POLL_MS, policy.signal);
  }
}

/** Waits until the object at `path` is gone (it was being deleted: a Terminating namespace, a recreate). */
export async function waitGone(client: Reader, path: string, policy: RetryPolicy, name: string): Promise<void> {
  let finalizers: string[] = [];
  await pollUntil(
    async () => {
      const live = await client.getOptional<KubeObject>(path);
      finalizers = live?.metadata.finalizers ?? (live?.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
      return live ? undefined : true;
    },
    policy,
    `${name} is deleted`,
    () => `it is still being deleted${finalizers.length ? ` (finalizers: ${finalizers.join(', ')})` : ''}: the controller that removes them must run, or raise the restore timeout`,
  );
}

/** Waits until every CRD is Established and NamesAccepted, so its custom resources can be applied. */
export async function waitCrdsReady(client: Reader, names: string[], policy: RetryPolicy): Promise<void> {
  for (const name of names) {
    await pollUntil(
      async () => ((crdReady(await client.getOptional<KubeObject>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`))) ? true : undefined),
      policy,
      `CRD ${name} is Established and NamesAccepted`,
      () => 'check the CRD conditions (kubectl describe crd): a names conflict keeps it from being established',
    );
  }
}

function crdReady(crd: KubeObject | undefined): boolean {
  const conditions = (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  const isTrue = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
  return isTrue('Established') && isTrue('NamesAccepted');
}
