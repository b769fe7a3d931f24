import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import type { KdrillError } from '../core/errors.js';
import { DurationOption, durationMs, parseStepOptions, requireExactlyOne } from './options.js';

const Schema = Type.Object(
  {
    names: Type.Optional(Type.Array(Type.String())),
    wait: Type.Optional(Type.Boolean({ default: true })),
    timeout: Type.Optional(DurationOption('how long', '2m')),
  },
  { additionalProperties: false },
);

describe('parseStepOptions', () => {
  it('fills defaults without touching the caller\'s object', () => {
    const raw = { names: ['a'] };
    expect(parseStepOptions('x', Schema, raw)).toEqual({ names: ['a'], wait: true, timeout: '2m' });
    expect(raw).toEqual({ names: ['a'] });
    expect(parseStepOptions('x', Schema, undefined)).toEqual({ wait: true, timeout: '2m' });
  });

  it('names the step and the field on a bad option', () => {
    const error = (() => {
      try {
        parseStepOptions('delete-x', Schema, { timeout: 'two minutes' });
      } catch (e) {
        return e as KdrillError;
      }
    })();
    expect(error?.code).toBe('E_SCENARIO_INVALID');
    expect(error?.message).toContain('chaos step delete-x: option /timeout');
    expect(() => parseStepOptions('x', Schema, { nope: 1 })).toThrow(/option \/nope/);
  });

  it('parses durations to milliseconds', () => {
    expect(durationMs('1m30s')).toBe(90_000);
    expect(durationMs('250ms')).toBe(250);
  });
});

describe('requireExactlyOne', () => {
  it('returns the one field set, and refuses none or two', () => {
    expect(requireExactlyOne('s', { names: ['a'] }, ['names', 'labelSelector'])).toBe('names');
    expect(() => requireExactlyOne('s', {}, ['names', 'labelSelector'])).toThrow('set one of names, labelSelector');
    expect(() => requireExactlyOne('s', { names: [], labelSelector: 'a=b' }, ['names', 'labelSelector'])).toThrow('set only one of names, labelSelector (got names and labelSelector)');
  });
});
