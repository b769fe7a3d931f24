import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { formatPath, parsePath, PositionIndex } from './positions.js';

const SOURCE = `apiVersion: kdrill.dev/v1alpha1
kind: Scenario
metadata:
  name: demo
  labels:
    app.kubernetes.io/name: x
spec:
  backup:
    strategy: etcd-snapshot
  restore:
  checks:
    - check: state-diff
    - check: rbac-creep
      options: { namespaces: [a, b] }
    - name: third
      check: stat-diff
`;

function index(text = SOURCE): PositionIndex {
  const lines = new LineCounter();
  return new PositionIndex(parseDocument(text, { lineCounter: lines }), lines);
}

describe('formatPath / parsePath', () => {
  it('writes indices in brackets and odd keys quoted', () => {
    expect(formatPath(['spec', 'checks', 2, 'check'])).toBe('spec.checks[2].check');
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(formatPath([])).toBe('');
  });

  it('reads dotted paths and JSON pointers to the same segments', () => {
    expect(parsePath('spec.checks[2].check')).toEqual(['spec', 'checks', 2, 'check']);
    expect(parsePath('/spec/checks/2/check')).toEqual(['spec', 'checks', 2, 'check']);
    expect(parsePath('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(parsePath('metadata.labels["app.kubernetes.io/name"]')).toEqual(['metadata', 'labels', 'app.kubernetes.io/name']);
  });
});

describe('PositionIndex.locate', () => {
  it('points at the value of an existing field', () => {
    expect(index().locate('spec.checks[2].check')).toEqual({ line: 16, column: 14 });
    expect(index().locate('spec.backup.strategy')).toEqual({ line: 9, column: 15 });
  });

  it('points at the key when asked for it (unknown fields)', () => {
    expect(index().locate('spec.checks[2].check', 'key')).toEqual({ line: 16, column: 7 });
    expect(index().locate('metadata.labels["app.kubernetes.io/name"]', 'key')).toEqual({ line: 6, column: 5 });
  });

  it('locates sequence items and flow collections', () => {
    expect(index().locate('spec.checks[1]')).toEqual({ line: 13, column: 7 });
    expect(index().locate('spec.checks[1].options.namespaces[1]')).toEqual({ line: 14, column: 34 });
  });

  it('uses the key of an empty value', () => {
    expect(index().locate('spec.restore')).toEqual({ line: 10, column: 3 });
  });

  it('falls back to the key of the nearest existing parent', () => {
    expect(index().locate('spec.checks[1].options.missing')).toEqual({ line: 14, column: 7 });
    expect(index().locate('spec.checks[0].options.x')).toEqual({ line: 12, column: 7 });
    expect(index().locate('spec.objectives.rto')).toEqual({ line: 7, column: 1 });
    expect(index().locate('spec.checks[9].check')).toEqual({ line: 11, column: 3 });
    expect(index().locate('nothing.here')).toEqual({ line: 1, column: 1 });
  });

  it('reports whether a path exists', () => {
    expect(index().has(['spec', 'checks', 2, 'name'])).toBe(true);
    expect(index().has(['spec', 'checks', 3])).toBe(false);
    expect(index().has(['spec', 'objectives'])).toBe(false);
    expect(index().depth(['spec', 'checks', 1, 'options', 'nope', 'x'])).toBe(4);
    expect(index().depth([])).toBe(0);
  });

  it('follows aliases to their anchor', () => {
    const text = 'base: &b\n  x: 1\nuse: *b\n';
    expect(index(text).locate('use.x')).toEqual({ line: 2, column: 6 });
  });
});
