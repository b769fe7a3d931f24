import { describe, expect, it } from 'vitest';
import { prefixEnd } from '../../strategies/etcd-snapshot/etcd-reads.js';
import { countKeys, diffKeys, secretName, stableKeys } from './key-set.js';
import { spreadSample } from './api-side.js';
import { tallyAtRest } from './at-rest.js';

describe('etcd key sets', () => {
  const keys = [
    '/registry/secrets/shop/db',
    '/registry/events/shop/x.17a',
    '/registry/leases/kube-system/apiserver-abc',
    '/registry/masterleases/127.0.0.1',
    '/registry/peerserverleases/apiserver-wlv32',
    '/registry/flowschemas/global-default',
    '/registry/configmaps/shop/a',
    '/registry/pods/shop/p1',
    '/other/thing',
  ];

  it('drops volatile prefixes, extra excludes and keys outside the root, relative and sorted', () => {
    expect(stableKeys(keys, '/registry/')).toEqual(['configmaps/shop/a', 'pods/shop/p1', 'secrets/shop/db']);
    expect(stableKeys(keys, '/registry/', ['pods/'])).toEqual(['configmaps/shop/a', 'secrets/shop/db']);
  });

  it('reports missing and extra keys', () => {
    expect(diffKeys(['a', 'b', 'c'], ['c', 'd', 'a'])).toEqual({ missing: ['b'], extra: ['d'] });
    expect(diffKeys(['a'], ['a'])).toEqual({ missing: [], extra: [] });
  });

  it('counts keys per resource prefix without confusing secrets/ with a group named secrets.example.com', () => {
    const counts = countKeys(['secrets/a/b', 'secrets/a/c', 'secrets.example.com/x/a/b', 'example.com/widgets/shop/w1'], ['secrets/', 'example.com/widgets/', 'configmaps/']);
    expect(Object.fromEntries(counts)).toEqual({ 'secrets/': 2, 'example.com/widgets/': 1, 'configmaps/': 0 });
    expect(secretName('secrets/shop/db')).toBe('shop/db');
  });

  it("computes etcd's range end of a prefix", () => {
    expect(prefixEnd('/registry/')).toBe('/registry0');
    expect(prefixEnd('/registry/secrets/')).toBe('/registry/secrets0');
  });

  it('samples evenly and keeps every name when there are few', () => {
    const names = Array.from({ length: 100 }, (_, i) => `ns/s${String(i).padStart(3, '0')}`);
    const sample = spreadSample(names, 10);
    expect(sample).toHaveLength(10);
    expect(sample[0]).toBe('ns/s000');
    expect(sample[9]).toBe('ns/s090');
    expect(spreadSample(['b', 'a'], 5)).toEqual(['a', 'b']);
  });

  it('tallies encrypted Secrets by provider and names plaintext ones, never keeping values', () => {
    const tally = tallyAtRest(
      [
        { key: '/registry/secrets/shop/db', value: Buffer.from('k8s:enc:secretbox:v1:key1:\x01\x02ciphertext') },
        { key: '/registry/secrets/shop/api', value: Buffer.from('k8s:enc:secretbox:v1:key1:\xff') },
        { key: '/registry/secrets/kube-system/old', value: Buffer.from('k8s\x00\x0a\x0cplain-protobuf') },
      ],
      '/registry/',
    );
    expect(tally).toEqual({ secrets: 3, encrypted: 2, providers: { 'secretbox:v1:key1': 2 }, plaintext: ['kube-system/old'] });
  });
});
