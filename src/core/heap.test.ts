import { describe, expect, it } from 'vitest';
import { boundHeapGrowth } from './heap.js';

describe('boundHeapGrowth', () => {
  it("leaves a user's own node flag alone, in either spelling", () => {
    expect(boundHeapGrowth(['--heap-growing-percent=50'])).toBe(false);
    expect(boundHeapGrowth(['--inspect', '--heap_growing_percent=10'])).toBe(false);
  });

  it('bounds growth otherwise', () => {
    expect(boundHeapGrowth(['--enable-source-maps'])).toBe(true);
  });
});
