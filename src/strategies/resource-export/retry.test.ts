import { describe, expect, it } from 'vitest';
import { KdrillError } from '../../core/errors.js';
import { KubeApiError } from '../../kube/errors.js';
import { isRetryable, withRetry, type RetryPolicy } from './retry.js';

const apiError = (status: number) => new KubeApiError('PATCH', '/api/v1/x', status, undefined, 'boom');

/** A fake clock that only moves when the code under test sleeps. */
function fakePolicy(deadlineMs: number): RetryPolicy & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return { deadline: deadlineMs, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)), slept };
}

describe('withRetry', () => {
  it('retries 429, 5xx and connection failures with growing delays, then succeeds', async () => {
    const failures = [apiError(429), apiError(503), new KdrillError('E_KUBE_API', 'cannot reach https://127.0.0.1:1')];
    const policy = fakePolicy(60_000);
    let calls = 0;
    const result = await withRetry(async () => {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'ok';
    }, policy);
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(policy.slept).toHaveLength(3);
    expect(policy.slept[2]!).toBeGreaterThan(policy.slept[0]!);
  });

  it('does not retry client errors', async () => {
    for (const status of [400, 403, 404, 409, 422]) {
      let calls = 0;
      await expect(withRetry(async () => { calls++; throw apiError(status); }, fakePolicy(60_000))).rejects.toThrow(`${status}`);
      expect(calls).toBe(1);
    }
  });

  it('gives up with the last error at the deadline', async () => {
    const policy = fakePolicy(3_000);
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw apiError(500); }, policy)).rejects.toThrow('500');
    expect(calls).toBeGreaterThan(2);
    expect(policy.now()).toBeLessThanOrEqual(3_000);
  });
});

describe('isRetryable', () => {
  it('classifies errors', () => {
    expect([429, 500, 502, 503, 504].map((s) => isRetryable(apiError(s)))).toEqual([true, true, true, true, true]);
    expect(isRetryable(apiError(501))).toBe(false);
    expect(isRetryable(new KdrillError('E_TIMEOUT', 'slow'))).toBe(true);
    expect(isRetryable(new KdrillError('E_ABORTED', 'stop'))).toBe(false);
    expect(isRetryable(new Error('bug'))).toBe(false);
  });

  it('does not retry a failed CRD conversion webhook (its backend is missing: retrying until the deadline hides it)', () => {
    const message = 'conversion webhook for example.com/v1, Kind=Widget failed: Post "https://conv.ops.svc:443/convert?timeout=30s": service "conv" not found';
    expect(isRetryable(new KubeApiError('GET', '/apis/example.com/v1alpha1/widgets', 500, 'InternalError', message))).toBe(false);
  });
});
