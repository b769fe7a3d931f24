import { KdrillError } from '../core/errors.js';
import { formatDuration } from '../scenario/duration.js';

/**
 * Run `work` with a deadline: rejects with E_TIMEOUT naming `what` and aborts the signal it hands to `work`. When
 * `parent` aborts (Ctrl-C) it rejects at once with the parent's reason: the interruption, not whatever error the
 * half-stopped work throws later, is why the phase ended.
 */
export async function withTimeout<T>(what: string, ms: number, parent: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (parent.aborted) throw parent.reason;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort = (): void => {};
  const deadline = new Promise<never>((_, reject) => {
    onAbort = () => {
      controller.abort(parent.reason);
      reject(parent.reason);
    };
    parent.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => {
      const error = new KdrillError('E_TIMEOUT', `${what} did not finish within ${formatDuration(ms)}`, {
        hint: 'raise spec.timeouts for this phase in the scenario, or look at the timeline for the slow step',
      });
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onAbort);
  }
}
