import { describe, expect, it } from 'vitest';
import { KdrillError } from '../core/errors.js';
import { formatDuration, isDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1h30m15s', 5_415_000],
    ['1.5s', 1_500],
    ['0.5h', 1_800_000],
    ['2m500ms', 120_500],
    ['0s', 0],
    [' 10s ', 10_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '5 minutes', '1d', '-5s', 's', '1h 30m', '5S', '1.s'])('rejects %j with E_SCENARIO_INVALID', (text) => {
    expect(() => parseDuration(text)).toThrowError(KdrillError);
    try {
      parseDuration(text);
    } catch (error) {
      expect((error as KdrillError).code).toBe('E_SCENARIO_INVALID');
      expect((error as KdrillError).message).toContain(`"${text}"`);
      expect((error as KdrillError).hint).toContain('1h30m');
    }
    expect(isDuration(text)).toBe(false);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [250, '250ms'],
    [999.6, '1s'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [90_000, '1m30s'],
    [90_250, '1m30.25s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [3_605_000, '1h5s'],
    [-90_000, '-1m30s'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1_001, 59_999, 61_000, 3_599_999, 86_400_000, 12_345_678]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });

  it('refuses non-finite values', () => {
    expect(() => formatDuration(Number.NaN)).toThrowError(RangeError);
  });
});
