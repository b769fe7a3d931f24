import { describe, expect, it } from 'vitest';
import { formatNumber, formatPercent, formatTable } from './table.js';

describe('formatNumber', () => {
  it('keeps decimals only where they matter', () => {
    expect(formatNumber(1234.567)).toBe('1235');
    expect(formatNumber(42)).toBe('42');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(1.2345)).toBe('1.23');
    expect(formatNumber(Number.NaN)).toBe('-');
  });

  it('prints fractions as whole percentages', () => {
    expect(formatPercent(0.734)).toBe('73%');
    expect(formatPercent(Number.POSITIVE_INFINITY)).toBe('-');
  });
});

describe('formatTable', () => {
  it('aligns text left and numbers right, with a dashed rule under the header', () => {
    const text = formatTable({
      title: 'Start (s)',
      columns: ['milestone', 'median', 'max'],
      rows: [
        ['ready', 6.4321, 12],
        ['etcd healthy', 0.9, undefined],
      ],
    });
    expect(text.split('\n')).toEqual([
      'Start (s)',
      'milestone     median  max',
      '------------  ------  ---',
      'ready           6.43   12',
      'etcd healthy    0.90    -',
    ]);
  });

  it('right-aligns figures written as text, left-aligns a column with any word in it, and prints a header-only table', () => {
    const figures = formatTable({ title: 't', columns: ['a', 'b'], rows: [['x', '70%'], ['y', 1000]] });
    expect(figures.split('\n').slice(3)).toEqual(['x   70%', 'y  1000']);
    const words = formatTable({ title: 't', columns: ['a', 'b'], rows: [['x', 'met'], ['y', 1000]] });
    expect(words.split('\n').slice(3)).toEqual(['x  met', 'y  1000']);
    expect(formatTable({ title: 't', columns: ['a'], rows: [] })).toBe('t\na\n-');
  });
});
