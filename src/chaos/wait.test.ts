import { describe, expect, it } from 'vitest';
import { sleep, waitUntil } from './wait.js';

describe('waitUntil', () => {
  it('returns once the probe is true, after polling', async () => {
    let calls = 0;
    await waitUntil(async () => ++calls >= 3, { timeoutMs: 2_000, intervalMs: 5, what: 'x' });
    expect(calls).toBe(3);
  });

  it('times out with E_TIMEOUT naming what was awaited and why', async () => {
    await expect(
      waitUntil(async () => false, { timeoutMs: 60, intervalMs: 10, what: 'namespace shop to be deleted', explain: async () => 'finalizers kubernetes' }),
    ).rejects.toMatchObject({ code: 'E_TIMEOUT', message: 'timed out after 0s waiting for namespace shop to be deleted: finalizers kubernetes' });
  });
});

describe('sleep', () => {
  it('rejects with E_ABORTED as soon as the signal aborts', async () => {
    // Without the abort the sleep would resolve after 10 minutes (and the test time out), not reject.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(sleep(600_000, controller.signal)).rejects.toMatchObject({ code: 'E_ABORTED' });
  });
});
