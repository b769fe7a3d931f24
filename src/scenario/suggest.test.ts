import { describe, expect, it } from 'vitest';
import { closest, editDistance, suggestionHint } from './suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['backup', 'backup', 0],
    ['bakcup', 'backup', 1],
    ['stat-diff', 'state-diff', 1],
    ['kitten', 'sitting', 3],
  ])('%j → %j is %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});

describe('closest', () => {
  const fields = ['cluster', 'fixtures', 'backup', 'chaos', 'restore', 'checks', 'objectives', 'timeouts'];
  it('finds likely typos, ignoring case', () => {
    expect(closest('bakcup', fields)).toBe('backup');
    expect(closest('Check', fields)).toBe('checks');
    expect(closest('timeout', fields)).toBe('timeouts');
  });
  it('returns nothing for unrelated words', () => {
    expect(closest('banana', fields)).toBeUndefined();
    expect(closest('x', fields)).toBeUndefined();
  });
});

describe('suggestionHint', () => {
  it('adds the guess before the sorted list', () => {
    expect(suggestionHint('stat-diff', ['state-diff', 'rbac-creep'])).toBe('did you mean "state-diff"? valid: rbac-creep, state-diff');
    expect(suggestionHint('zzz', ['b', 'a'], 'known fields')).toBe('known fields: a, b');
    expect(suggestionHint('zzz', [])).toBe('valid: (none registered)');
  });
});
