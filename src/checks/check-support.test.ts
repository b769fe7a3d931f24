import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { capped, parseCheckOptions } from './check-support.js';

describe('parseCheckOptions', () => {
  const schema = Type.Object({ samples: Type.Optional(Type.Integer({ minimum: 0, default: 20 })), namespaces: Type.Optional(Type.Array(Type.String())) }, { additionalProperties: false });

  it('applies defaults and keeps given values', () => {
    expect(parseCheckOptions('x', schema, {})).toEqual({ samples: 20 });
    expect(parseCheckOptions('x', schema, { samples: 3, namespaces: ['a'] })).toEqual({ samples: 3, namespaces: ['a'] });
  });

  it('names the bad field in an E_SCENARIO_INVALID error', () => {
    expect(() => parseCheckOptions('x', schema, { samples: -1 })).toThrow(/check x: option \/samples/);
    expect(() => parseCheckOptions('x', schema, { nope: 1 })).toThrow(expect.objectContaining({ code: 'E_SCENARIO_INVALID' }));
  });
});

describe('capped', () => {
  it('keeps the first entries and counts the rest', () => {
    expect(capped([1, 2, 3], 2)).toEqual({ items: [1, 2], more: 1 });
    expect(capped([1], 2)).toEqual({ items: [1], more: 0 });
  });
});
