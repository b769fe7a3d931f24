import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/types.js';
import { compareStates, kindOfKey } from './compare-states.js';
import { applyIgnoreRules, parseIgnoreRule } from './ignore-fields.js';
import { capList, stableYaml, unifiedDiff } from './render.js';

const cm = (name: string, data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop', ...(labels ? { labels } : {}) },
  data,
});
const dep = (replicas: number): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { replicas, template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
});

describe('compareStates', () => {
  const baseline = {
    '/ConfigMap/shop/a': cm('a', { k: '1' }, { tier: 'db' }),
    '/ConfigMap/shop/b': cm('b', { k: '2' }),
    '/ConfigMap/shop/c': cm('c', { k: '3' }),
    'apps/Deployment/shop/web': dep(2),
  };

  it('finds missing, extra and changed objects with per-kind counts', () => {
    const current = {
      '/ConfigMap/shop/a': cm('a', { k: '1' }, { tier: 'web' }),
      '/ConfigMap/shop/c': cm('c', { k: '3' }),
      '/ConfigMap/shop/d': cm('d', {}),
      'apps/Deployment/shop/web': dep(2),
    };
    const r = compareStates(baseline, current);
    expect(r.missing).toEqual(['/ConfigMap/shop/b']);
    expect(r.extra).toEqual(['/ConfigMap/shop/d']);
    expect(r.changed.map((c) => c.key)).toEqual(['/ConfigMap/shop/a']);
    expect(r.unchanged).toBe(2);
    expect(r.perKind).toEqual({
      ConfigMap: { baseline: 3, current: 3, missing: 1, extra: 1, changed: 1 },
      'Deployment.apps': { baseline: 1, current: 1, missing: 0, extra: 0, changed: 0 },
    });
    const diff = r.changed[0]!.diff;
    expect(diff).toContain('--- baseline//ConfigMap/shop/a');
    expect(diff).toContain('-    tier: db');
    expect(diff).toContain('+    tier: web');
  });

  it('ignores the fields named by ignoreFields, optionally per kind', () => {
    const current = { ...baseline, 'apps/Deployment/shop/web': dep(5) };
    expect(compareStates(baseline, current).changed).toHaveLength(1);
    expect(compareStates(baseline, current, { ignore: [parseIgnoreRule('Deployment:spec.replicas')] }).changed).toHaveLength(0);
    expect(compareStates(baseline, current, { ignore: [parseIgnoreRule('ConfigMap:spec.replicas')] }).changed).toHaveLength(1);
    // Ignoring never touches the captures themselves.
    expect((current['apps/Deployment/shop/web'].spec as { replicas: number }).replicas).toBe(5);
  });

  it('renders only maxDiffs diffs but counts every change', () => {
    const current = { ...baseline, '/ConfigMap/shop/b': cm('b', { k: 'x' }), '/ConfigMap/shop/c': cm('c', { k: 'y' }) };
    const r = compareStates(baseline, current, { maxDiffs: 1 });
    expect(r.changed.map((c) => c.diff !== '')).toEqual([true, false]);
  });
});

describe('ignore rules', () => {
  it('parses dotted, bracketed, quoted and wildcard paths', () => {
    expect(parseIgnoreRule('$.spec.ports[*].nodePort').segments).toEqual(['spec', 'ports', '*', 'nodePort']);
    expect(parseIgnoreRule("metadata.annotations['example.com/x']").segments).toEqual(['metadata', 'annotations', 'example.com/x']);
    expect(parseIgnoreRule('apps.Deployment:spec.template.spec.containers[0].image')).toMatchObject({
      kind: 'apps.Deployment',
      segments: ['spec', 'template', 'spec', 'containers', 0, 'image'],
    });
    expect(() => parseIgnoreRule('spec..x')).toThrow(/not a JSON path/);
  });

  it('removes wildcard matches and array elements', () => {
    const obj = { kind: 'Service', spec: { ports: [{ port: 1, nodePort: 2 }, { port: 3, nodePort: 4 }], list: [1, 2, 3] } };
    applyIgnoreRules(obj, [parseIgnoreRule('spec.ports[*].nodePort'), parseIgnoreRule('spec.list[1]')], '');
    expect(obj.spec).toEqual({ ports: [{ port: 1 }, { port: 3 }], list: [1, 3] });
  });
});

describe('render helpers', () => {
  it('prints YAML with sorted keys and caps lists and diffs', () => {
    expect(stableYaml({ b: 1, a: { d: 1, c: 2 } })).toBe('a:\n  c: 2\n  d: 1\nb: 1\n');
    expect(capList([1, 2, 3, 4], 2)).toEqual({ items: [1, 2], more: 'and 2 more' });
    expect(capList([1], 2)).toEqual({ items: [1] });
    const before = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const after = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i + 1]));
    const diff = unifiedDiff('x', before, after, 10).split('\n');
    expect(diff).toHaveLength(11);
    expect(diff[10]).toMatch(/^… \d+ more diff lines$/);
    expect(kindOfKey('apps/Deployment/ns/n')).toBe('Deployment.apps');
  });
});
