import { describe, expect, it } from 'vitest';
import { median, megabytesPerSecond, perSecond, ratio, summarize } from './stats.js';

describe('median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([9, 1, 5])).toBe(5);
    expect(median([7.5])).toBe(7.5);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('does not reorder the caller array', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('reports median, min, max and spread relative to the median', () => {
    expect(summarize([6, 5, 4, 5, 5])).toEqual({ runs: 5, median: 5, min: 4, max: 6, spread: 0.4 });
  });

  it('has zero spread for identical runs and for an all-zero median', () => {
    expect(summarize([3, 3, 3]).spread).toBe(0);
    expect(summarize([0, 0, 1]).spread).toBe(0);
  });
});

describe('rates', () => {
  it('turns counts and milliseconds into per-second figures', () => {
    expect(perSecond(1000, 2000)).toBe(500);
    expect(megabytesPerSecond(130e6, 1000)).toBe(130);
    expect(perSecond(10, 0)).toBe(0);
  });

  it('gives the share of a baseline, 0 without one', () => {
    expect(ratio(70, 100)).toBeCloseTo(0.7);
    expect(ratio(5, 0)).toBe(0);
  });
});
