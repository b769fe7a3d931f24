import { describe, expect, it } from 'vitest';
import { parseProcStatus, RssSampler } from './rss.js';

describe('parseProcStatus', () => {
  it('reads the peak and current resident set in KiB', () => {
    const text = 'Name:\tetcd\nVmPeak:\t 11836380 kB\nVmHWM:\t   48404 kB\nVmRSS:\t   45344 kB\nThreads:\t12\n';
    expect(parseProcStatus(text)).toEqual({ hwmKiB: 48404, rssKiB: 45344 });
  });

  it('returns undefined for kernel threads, which have no Vm lines', () => {
    expect(parseProcStatus('Name:\tkthreadd\nState:\tS (sleeping)\n')).toBeUndefined();
  });
});

describe('RssSampler', () => {
  it('reports the peak of a live process (this one) in MiB, and nothing for a pid that does not exist', async () => {
    const sampler = new RssSampler(() => ({ self: process.pid, gone: 2 ** 22 + 12345 }), 20).start();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const peaks = await sampler.stop();
    const rssMiB = process.memoryUsage().rss / 2 ** 20;
    expect(Object.keys(peaks)).toEqual(['self']);
    expect(peaks.self).toBeGreaterThanOrEqual(Math.floor(rssMiB * 0.5));
    expect(await sampler.stop()).toBe(peaks);
  });
});
