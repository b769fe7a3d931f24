import { describe, expect, it } from 'vitest';
import { mapLimit } from './map-limit.js';

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapLimit([30, 5, 20, 1, 10, 2, 8], 3, async (ms, i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(3);
  });

  it('rejects with the first error only after running calls settled, and starts no new work', async () => {
    const finished: number[] = [];
    const failing = mapLimit([1, 2, 3, 4, 5], 2, async (n) => {
      if (n === 2) throw new Error('two');
      await new Promise((r) => setTimeout(r, 30));
      finished.push(n);
    });
    await expect(failing).rejects.toThrow('two');
    // 1 was already running when 2 failed: it finished before the rejection; 3, 4 and 5 never started.
    expect(finished).toEqual([1]);
  });
});
