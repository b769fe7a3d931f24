import { describe, expect, it } from 'vitest';
import { cpuSeconds, parseCpuSeconds } from './cpu.js';

describe('CPU seconds from /proc', () => {
  it('reads utime + stime (and the reaped children) after a name that holds spaces and parentheses', () => {
    const stat = '4242 (kube (api) server) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 12 0 100 0 0';
    expect(parseCpuSeconds(stat)).toBe(3);
    expect(parseCpuSeconds(stat, true)).toBe(3.1);
  });

  it('reads this process, and nothing for a pid that does not exist', () => {
    expect(cpuSeconds('self')).toBeGreaterThanOrEqual(0);
    expect(cpuSeconds(2 ** 22 + 17)).toBeUndefined();
  });
});
