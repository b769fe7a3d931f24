import { KdrillError } from './errors.js';

/** Resolves after `ms`; rejects with E_ABORTED (saying `what` was aborted) as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal, what = 'operation'): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => new KdrillError('E_ABORTED', `${what} aborted`);
    if (signal?.aborted) return reject(aborted());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
