import { sleep as coreSleep } from '../core/sleep.js';
import { KdrillError } from '../core/errors.js';

/** Sleeps `ms`, or rejects with E_ABORTED as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return coreSleep(ms, signal, 'chaos step');
}

/**
 * Keeps something down for `ms`, then starts it again. The start runs even when the run is aborted during the wait:
 * the cluster may be kept for inspection and must not be left broken by an interrupted step.
 */
export async function downFor(ms: number, signal: AbortSignal | undefined, start: () => Promise<void>): Promise<void> {
  try {
    await sleep(ms, signal);
  } finally {
    await start();
  }
}

/** How a wait describes what is still missing when it times out. */
export interface WaitSpec {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Says what was awaited, e.g. `namespaces shop, billing to be deleted`. */
  what: string;
  /** Why it did not happen yet (asked once, at the timeout), e.g. remaining finalizers. */
  explain?: () => Promise<string>;
  hint?: string;
}

/** Polls `done` until true; throws E_TIMEOUT naming what was awaited and why it is not there yet. */
export async function waitUntil(done: () => Promise<boolean>, spec: WaitSpec): Promise<void> {
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    if (await done()) return;
    if (Date.now() >= deadline) {
      const why = spec.explain ? await spec.explain().catch(() => '') : '';
      throw new KdrillError('E_TIMEOUT', `timed out after ${Math.round(spec.timeoutMs / 1000)}s waiting for ${spec.what}${why ? `: ${why}` : ''}`, {
        hint: spec.hint ?? 'raise the step\'s timeout option, or check the cluster\'s controllers (kube-controller-manager) are running',
      });
    }
    await sleep(Math.min(spec.intervalMs ?? 250, Math.max(0, deadline - Date.now())), spec.signal);
  }
}

