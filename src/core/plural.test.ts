import { describe, expect, it } from 'vitest';
import { plural } from './plural.js';

describe('plural', () => {
  it('uses the singular for exactly one', () => {
    expect(plural(1, 'subject')).toBe('1 subject');
    expect(plural(0, 'subject')).toBe('0 subjects');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
  });
});
