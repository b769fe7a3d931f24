import { describe, expect, it } from 'vitest';
import { parseOptions } from './options.js';

describe('etcd-snapshot options', () => {
  it('seals the snapshot and restores the material by default', () => {
    expect(parseOptions({})).toEqual({ sealSnapshot: true, restoreMaterial: true, readyTimeoutMs: 300_000, members: 'all' });
    expect(parseOptions(undefined).sealSnapshot).toBe(true);
  });

  it('reads explicit values', () => {
    expect(parseOptions({ sealSnapshot: false, restoreMaterial: false, readyTimeout: '90s', members: 'first' })).toEqual({ sealSnapshot: false, restoreMaterial: false, readyTimeoutMs: 90_000, members: 'first' });
  });

  it('rejects unknown options and bad types naming the field', () => {
    expect(() => parseOptions({ sealSnapshots: true })).toThrow(/E_SCENARIO_INVALID|option/);
    expect(() => parseOptions({ restoreMaterial: 'yes' })).toThrow(/restoreMaterial/);
    expect(() => parseOptions({ readyTimeout: '5 minutes' })).toThrow(/readyTimeout/);
    expect(() => parseOptions({ members: 'one' })).toThrow(/members/);
  });
});
