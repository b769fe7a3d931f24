import { describe, expect, it } from 'vitest';
import { BENCH_LABEL, benchNamespaces, benchObjects, forEachLimit, meanJsonBytes } from './objects.js';

describe('benchObjects', () => {
  const namespaces = benchNamespaces(10);
  const objects = benchObjects(1000, namespaces);

  it('makes half ConfigMaps and half Secrets, spread evenly over the namespaces, with unique names', () => {
    expect(objects.filter((o) => o.kind === 'ConfigMap')).toHaveLength(500);
    expect(objects.filter((o) => o.kind === 'Secret')).toHaveLength(500);
    for (const ns of namespaces) expect(objects.filter((o) => o.metadata.namespace === ns)).toHaveLength(100);
    expect(new Set(objects.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).size).toBe(1000);
    expect(objects.every((o) => o.metadata.labels?.[BENCH_LABEL] === 'true')).toBe(true);
  });

  it('makes objects of a realistic size: about 1 KiB of JSON each', () => {
    for (const kind of ['ConfigMap', 'Secret']) {
      const mean = meanJsonBytes(objects.filter((o) => o.kind === kind));
      expect(mean).toBeGreaterThan(900);
      expect(mean).toBeLessThan(1200);
    }
  });

  it('names ten namespaces bench-00 to bench-09', () => {
    expect(namespaces[0]).toBe('bench-00');
    expect(namespaces[9]).toBe('bench-09');
  });
});

describe('forEachLimit', () => {
  it('never has more than the limit in flight and visits every item once', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit([...Array(20).keys()], 3, async (i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen.push(i);
      inFlight--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('rejects with the first failure', async () => {
    await expect(forEachLimit([1, 2, 3], 2, async (i) => { if (i === 2) throw new Error('boom'); })).rejects.toThrow('boom');
  });
});
