import { sleep } from '../../core/sleep.js';
import { isKdrillError } from '../../core/errors.js';
import { KubeApiError } from '../../kube/errors.js';

/** When to give up and how to wait: the restore's deadline, its clock and abort signal. */
export interface RetryPolicy {
  /** Epoch ms after which no new attempt starts. */
  deadline: number;
  now: () => number;
  signal?: AbortSignal;
  /** Injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 5_000;

/**
 * 429, 5xx, timeouts and connection failures: what an apiserver that is overloaded or restarting answers. A failed
 * CRD conversion webhook (500) is not retried: its backend is missing or down, and waiting out the restore's deadline
 * on every custom resource would only hide that (a re-run resumes once the webhook serves).
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof KubeApiError && error.status >= 500 && /conversion webhook/i.test(error.message)) return false;
  if (error instanceof KubeApiError) return error.status === 429 || (error.status >= 500 && error.status !== 501);
  return isKdrillError(error) && (error.code === 'E_KUBE_API' || error.code === 'E_TIMEOUT');
}

/** Runs `fn`, retrying retryable failures with exponential backoff (and jitter) until the policy's deadline. */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy, retryable: (error: unknown) => boolean = isRetryable): Promise<T> {
  const sleep = policy.sleep ?? abortableSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt) * (0.75 + Math.random() / 2);
      if (!retryable(error) || policy.now() + delay > policy.deadline || policy.signal?.aborted) throw error;
      await sleep(delay, policy.signal);
    }
  }
}

/** Resolves after `ms`, or rejects with E_ABORTED when the signal fires. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, signal, 'restore');
}
