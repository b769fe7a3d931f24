import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from './args.js';

describe('parseBenchArgs', () => {
  it('runs every suite with the documented defaults when given nothing', () => {
    expect(parseBenchArgs([])).toEqual({ suites: ['cluster', 'strategies', 'cli', 'drill', 'velero', 'writes'], sizes: [1000, 10000], runs: 5, idleSeconds: 5, parallelism: 32, fsync: true, etcdMembers: 1 });
  });

  it('reads one suite and its options', () => {
    const args = parseBenchArgs(['strategies', '--sizes', '500,2_000', '--parallelism=8', '--fsync', 'off']);
    expect(args).toMatchObject({ suites: ['strategies'], sizes: [500, 2000], parallelism: 8, fsync: false });
    expect(parseBenchArgs(['cluster', '--etcd-members', '3']).etcdMembers).toBe(3);
  });

  it('names what is wrong in a KdrillError with the usage as hint', () => {
    expect(() => parseBenchArgs(['nope'])).toThrow(/unknown suite nope/);
    expect(() => parseBenchArgs(['--sizes', '1000,ten'])).toThrow(/--sizes expects whole numbers/);
    expect(() => parseBenchArgs(['--runs', '0'])).toThrow(/--runs must be at least 1/);
    expect(() => parseBenchArgs(['--fsync', 'maybe'])).toThrow(/--fsync must be on or off/);
    expect(() => parseBenchArgs(['--etcd-members', '2'])).toThrow(/--etcd-members must be 1, 3 or 5/);
    expect(() => parseBenchArgs(['--bogus'])).toThrow(expect.objectContaining({ code: 'E_SCENARIO_INVALID', hint: expect.stringContaining('usage: npm run bench') }));
  });
});
