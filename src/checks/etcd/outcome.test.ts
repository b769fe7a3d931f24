import { describe, expect, it } from 'vitest';
import type { Findings } from './inspect.js';
import { judge } from './outcome.js';

const healthy: Findings = {
  members: [{ endpoint: 'https://127.0.0.1:2379', healthy: true, revision: 1000000500, hasLeader: true, errors: [] }],
  membership: { names: {}, leaders: ['a1'], disagreeing: [], unanswered: [] },
  hashKv: { revision: 1000000500, hashes: [11, 11], stable: true },
  memberHashes: { revision: 1000000500, members: [{ endpoint: 'https://127.0.0.1:2379', hash: 11 }], diverging: [] },
  revision: { current: 1000000500, snapshot: 480, behind: false },
  keys: { baseline: 300, current: 300, missing: [], extra: [] },
  atRest: { secrets: 4, encrypted: 4, providers: { 'secretbox:v1:key1': 4 }, plaintext: [] },
  counts: [{ resource: 'secrets', etcdKeys: 4, listed: 4 }],
  secretsRead: { sampled: 4, readable: 4, unreadable: [], changed: [] },
};
const rules = { allowExtraKeys: false, requireEncryption: true, excludePrefixes: ['pods/'], maxListed: 2 };

describe('etcd-consistency outcome', () => {
  it('passes a consistent cluster and lists the excluded prefixes with reasons', () => {
    const out = judge(healthy, rules);
    expect(out.status).toBe('passed');
    expect(out.summary).toContain('300 stable keys');
    const excluded = out.evidence?.excludedPrefixes as { prefix: string; why: string }[];
    expect(excluded.map((e) => e.prefix)).toEqual(['events/', 'leases/', 'masterleases/', 'peerserverleases/', 'flowschemas/', 'prioritylevelconfigurations/', 'configmaps/kdrill-system/', 'pods/']);
    expect(excluded.every((e) => e.why.length > 5)).toBe(true);
  });

  it('fails naming unreadable Secrets and the resource whose LIST fails', () => {
    const out = judge(
      {
        ...healthy,
        counts: [{ resource: 'secrets', etcdKeys: 4, error: 'GET /api/v1/secrets: 500 InternalError: unable to transform key' }],
        secretsRead: { sampled: 3, readable: 0, unreadable: ['shop/a', 'shop/b', 'shop/c'].map((secret) => ({ secret, error: '500' })), changed: [] },
      },
      rules,
    );
    expect(out.status).toBe('failed');
    expect(out.summary).toContain('3 Secret(s) unreadable through the API: shop/a, shop/b, shop/c');
    expect(out.summary).toContain('lists differently from etcd for secrets');
    expect(out.recommendation).toContain('restoreMaterial: true');
    expect((out.evidence?.secretsRead as { unreadable: { items: unknown[]; more?: string } }).unreadable).toMatchObject({ items: [{ secret: 'shop/a' }, { secret: 'shop/b' }], more: 'and 1 more' });
  });

  it('fails on missing keys, a revision behind the snapshot, an unstable hash and plaintext Secrets', () => {
    const out = judge(
      {
        ...healthy,
        keys: { baseline: 3, current: 2, missing: ['configmaps/shop/a'], extra: [] },
        revision: { current: 100, snapshot: 480, behind: true },
        hashKv: { revision: 100, hashes: [1, 2], stable: false },
        atRest: { secrets: 1, encrypted: 0, providers: {}, plaintext: ['shop/db'] },
      },
      rules,
    );
    expect(out.status).toBe('failed');
    for (const part of ['1 baseline key(s) missing, e.g. configmaps/shop/a', 'revision 100 is behind the snapshot\'s 480', 'hashkv at revision 100 changed', 'plaintext in etcd, e.g. shop/db']) {
      expect(out.summary).toContain(part);
    }
  });

  it('fails naming the member that holds another history and the keys whose values are not the snapshot\'s', () => {
    const members = [{ endpoint: 'https://127.0.0.1:1', hash: 11 }, { endpoint: 'https://127.0.0.1:2', hash: 99 }, { endpoint: 'https://127.0.0.1:3', hash: 11 }];
    const out = judge({
      ...healthy,
      memberHashes: { revision: 500, members, diverging: [{ endpoint: 'https://127.0.0.1:2', hash: 99, majority: 11 }] },
      values: { snapshotRevision: 480, compared: 10, equal: 8, changed: ['configmaps/shop/a', 'secrets/shop/db'], rewritten: 0, missing: [] },
    }, rules);
    expect(out.status).toBe('failed');
    expect(out.summary).toContain('etcd members disagree at revision 500: https://127.0.0.1:2 has hashkv 99, the majority 11');
    expect(out.summary).toContain('2 key(s) hold other values than the snapshot although nothing wrote them since the restore, e.g. configmaps/shop/a, secrets/shop/db');
    expect(out.recommendation).toContain('restore every member from the same snapshot');
  });

  it('names members by name, and fails on two leaders and on a member that lists another cluster', () => {
    const endpoints = ['https://127.0.0.1:1', 'https://127.0.0.1:2', 'https://127.0.0.1:3'];
    const names = { [endpoints[0]!]: 'etcd-0', [endpoints[1]!]: 'etcd-1', [endpoints[2]!]: 'etcd-2' };
    const out = judge({
      ...healthy,
      members: endpoints.map((endpoint, i) => ({ endpoint, healthy: true, hasLeader: true, revision: i === 0 ? 1000000253 : 137, errors: [] })),
      membership: { names, leaders: ['ff', 'b2'], disagreeing: [{ endpoint: endpoints[0]!, member: 'etcd-0', lists: ['etcd-0:ff'], majority: ['etcd-0:a1', 'etcd-1:b2'] }], unanswered: [] },
      memberHashes: { revision: 500, members: endpoints.map((endpoint) => ({ endpoint, hash: 1 })), diverging: [{ endpoint: endpoints[0]!, error: 'required revision is a future revision' }] },
    }, rules);
    expect(out.status).toBe('failed');
    expect(out.summary).toContain('the etcd members follow 2 different leaders (ff, b2)');
    expect(out.summary).toContain('etcd members are at revisions 1000000116 apart: etcd-0 (https://127.0.0.1:1) at 1000000253, etcd-1 (https://127.0.0.1:2) at 137, etcd-2 (https://127.0.0.1:3) at 137');
    expect(out.summary).toContain('etcd member lists differ: etcd-0 (https://127.0.0.1:1) lists etcd-0:ff (the others: etcd-0:a1, etcd-1:b2)');
    expect(out.summary).toContain('etcd members disagree at revision 500: etcd-0 (https://127.0.0.1:1) did not answer (required revision is a future revision)');
    expect((out.evidence?.memberHashes as { diverging: unknown[] }).diverging).toEqual([{ member: 'etcd-0', endpoint: endpoints[0], error: 'required revision is a future revision' }]);
  });

  it('still judges etcd when the apiserver does not answer, and says what was not compared', () => {
    const out = judge({ ...healthy, counts: [], secretsRead: { sampled: 4, readable: 0, unreadable: [], changed: [] }, apiError: 'connect ECONNREFUSED 127.0.0.1:6443' }, rules);
    expect(out.status).toBe('failed');
    expect(out.summary).toBe('the apiserver did not answer (connect ECONNREFUSED 127.0.0.1:6443): LIST counts and Secret reads were not compared');
    expect(out.evidence?.apiError).toBe('connect ECONNREFUSED 127.0.0.1:6443');
  });

  it('reports the value comparison in a passing summary', () => {
    const out = judge({ ...healthy, values: { snapshotRevision: 480, compared: 10, equal: 9, changed: [], rewritten: 1, missing: [] } }, rules);
    expect(out.status).toBe('passed');
    expect(out.summary).toContain('9/10 snapshot values byte-identical (1 rewritten since)');
  });

  it('tolerates extra keys only when allowed and plaintext only when encryption is not required', () => {
    const extra = { ...healthy, keys: { baseline: 1, current: 2, missing: [], extra: ['pods/shop/p'] } };
    expect(judge(extra, rules).status).toBe('failed');
    expect(judge(extra, { ...rules, allowExtraKeys: true }).status).toBe('passed');
    const plain = { ...healthy, atRest: { secrets: 1, encrypted: 0, providers: {}, plaintext: ['a/b'] } };
    expect(judge(plain, { ...rules, requireEncryption: false }).status).toBe('passed');
  });
});
