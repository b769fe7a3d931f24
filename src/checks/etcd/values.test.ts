import { describe, expect, it } from 'vitest';
import { compareValues, divergingMembers } from './values.js';
import { digestOf } from '../../strategies/etcd-snapshot/key-digests.js';

const snapshot = {
  format: 1 as const,
  revision: 100,
  root: '/registry/',
  digests: {
    '/registry/configmaps/shop/a': digestOf(Buffer.from('A')),
    '/registry/configmaps/shop/b': digestOf(Buffer.from('B')),
    '/registry/secrets/shop/s': digestOf(Buffer.from('k8s:enc:secretbox:v1:key1:xyz')),
    '/registry/leases/kube-system/l': digestOf(Buffer.from('L')),
    '/registry/configmaps/shop/gone': digestOf(Buffer.from('G')),
  },
};

describe('compareValues', () => {
  it('passes byte-identical values, skips volatile keys and keys written after the restore, names what differs', () => {
    const out = compareValues(snapshot, [
      { key: '/registry/configmaps/shop/a', value: Buffer.from('A'), modRevision: 90 },
      { key: '/registry/configmaps/shop/b', value: Buffer.from('B-tampered'), modRevision: 95 },
      { key: '/registry/secrets/shop/s', value: Buffer.from('rewritten'), modRevision: 1_000_000_200 },
      { key: '/registry/leases/kube-system/l', value: Buffer.from('renewed'), modRevision: 80 },
    ]);
    expect(out).toEqual({ snapshotRevision: 100, compared: 4, equal: 1, changed: ['configmaps/shop/b'], rewritten: 1, missing: ['configmaps/shop/gone'] });
  });
  it('honours extra excluded prefixes', () => {
    expect(compareValues(snapshot, [], ['configmaps/']).compared).toBe(1);
  });
});

describe('divergingMembers', () => {
  it('names the member whose hash differs from the majority, and members that could not answer', () => {
    expect(divergingMembers([
      { endpoint: 'https://127.0.0.1:1', hash: 7 },
      { endpoint: 'https://127.0.0.1:2', hash: 9 },
      { endpoint: 'https://127.0.0.1:3', hash: 7 },
      { endpoint: 'https://127.0.0.1:4', error: 'context deadline exceeded' },
    ])).toEqual([
      { endpoint: 'https://127.0.0.1:2', hash: 9, majority: 7 },
      { endpoint: 'https://127.0.0.1:4', majority: 7, error: 'context deadline exceeded' },
    ]);
  });
  it('is empty when every member agrees', () => {
    expect(divergingMembers([{ endpoint: 'a', hash: 1 }, { endpoint: 'b', hash: 1 }])).toEqual([]);
  });
});
