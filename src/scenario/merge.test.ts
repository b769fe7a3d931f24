import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, deepMerge } from './merge.js';

describe('deepMerge', () => {
  it('merges mappings and lets the override win', () => {
    const base = { backup: { strategy: 'etcd-snapshot', options: { compress: true } }, restore: { target: 'same' } };
    const over = { backup: { options: { compress: false, level: 3 } }, checks: [{ check: 'state-diff' }] };
    expect(deepMerge(base, over)).toEqual({
      backup: { strategy: 'etcd-snapshot', options: { compress: false, level: 3 } },
      restore: { target: 'same' },
      checks: [{ check: 'state-diff' }],
    });
  });

  it('replaces lists instead of concatenating them', () => {
    expect(deepMerge({ checks: [{ check: 'a' }, { check: 'b' }] }, { checks: [{ check: 'c' }] })).toEqual({ checks: [{ check: 'c' }] });
  });

  it('does not modify or share its inputs', () => {
    const base = { chaos: [{ step: 'x' }], cluster: { provider: 'local' } };
    const merged = deepMerge(base, {}) as typeof base;
    merged.chaos[0]!.step = 'changed';
    merged.cluster.provider = 'changed';
    expect(base).toEqual({ chaos: [{ step: 'x' }], cluster: { provider: 'local' } });
  });

  it('keeps the base when the override is absent and takes an explicit null', () => {
    expect(deepMerge({ a: 1 }, undefined)).toEqual({ a: 1 });
    expect(deepMerge({ a: { b: 1 } }, { a: null })).toEqual({ a: null });
  });
});

describe('canonicalJson / contentHash', () => {
  it('ignores key order but not list order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
    expect(contentHash({ a: 1, b: 2 })).toBe(contentHash({ b: 2, a: 1 }));
    expect(contentHash([1, 2])).not.toBe(contentHash([2, 1]));
    expect(contentHash({})).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});
