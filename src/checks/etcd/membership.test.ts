import { describe, expect, it } from 'vitest';
import { judgeMembership, memberLabel } from './membership.js';

const list = (ids: string[]) => ids.map((id, i) => ({ id, name: `etcd-${i}`, peerUrls: [`https://127.0.0.1:238${i}`], clientUrls: [`https://127.0.0.1:237${i}`] }));
const state = (endpoint: string, leaderId: string) => ({ endpoint, healthy: true, leaderId, errors: [] });

describe('etcd membership findings', () => {
  it('three members that list the same cluster and follow one leader: nothing to report, and each endpoint gets its name', () => {
    const views = [0, 1, 2].map((i) => ({ endpoint: `https://127.0.0.1:237${i}`, members: list(['a1', 'b2', 'c3']) }));
    const f = judgeMembership([0, 1, 2].map((i) => state(`https://127.0.0.1:237${i}`, 'a1')), views);
    expect(f).toEqual({ names: { 'https://127.0.0.1:2370': 'etcd-0', 'https://127.0.0.1:2371': 'etcd-1', 'https://127.0.0.1:2372': 'etcd-2' }, leaders: ['a1'], disagreeing: [], unanswered: [] });
    expect(memberLabel('https://127.0.0.1:2371', f.names)).toBe('etcd-1 (https://127.0.0.1:2371)');
  });

  it('a member of another cluster lists other ids and follows another leader: it is named', () => {
    const views = [
      { endpoint: 'https://127.0.0.1:2370', members: list(['ff', 'ee', 'dd']) },
      { endpoint: 'https://127.0.0.1:2371', members: list(['a1', 'b2', 'c3']) },
      { endpoint: 'https://127.0.0.1:2372', members: list(['a1', 'b2', 'c3']) },
    ];
    const f = judgeMembership([state('https://127.0.0.1:2370', 'ff'), state('https://127.0.0.1:2371', 'b2'), state('https://127.0.0.1:2372', 'b2')], views);
    expect(f.leaders.sort()).toEqual(['b2', 'ff']);
    expect(f.disagreeing).toEqual([{ endpoint: 'https://127.0.0.1:2370', member: 'etcd-0', lists: ['etcd-0:ff', 'etcd-1:ee', 'etcd-2:dd'], majority: ['etcd-0:a1', 'etcd-1:b2', 'etcd-2:c3'] }]);
  });

  it('members with no leader report none; an endpoint that cannot list is unanswered', () => {
    const f = judgeMembership([state('e0', '0')], [{ endpoint: 'e0', error: 'context deadline exceeded' }]);
    expect(f.leaders).toEqual([]);
    expect(f.unanswered).toEqual([{ endpoint: 'e0', error: 'context deadline exceeded' }]);
  });
});
