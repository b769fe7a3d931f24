import { describe, expect, it } from 'vitest';
import { clusterLayout } from './layout.js';
import { etcdMemberSpecs, initialCluster, quorumOf } from './etcd-topology.js';
import { etcdArgs } from './flags.js';
import { parseEndpointStatuses } from '../../kube/etcd-status.js';
import { restoreArgs } from './etcd-restore.js';
import type { LocalClusterState } from './state.js';

const layout = clusterLayout('/k/c1');
const base = { ports: { etcdClient: 2379, etcdPeer: 2380, apiserver: 6443 } } as LocalClusterState;
const three = { ...base, etcdMembers: [{ name: 'etcd-0', clientPort: 2379, peerPort: 2380 }, { name: 'etcd-1', clientPort: 3379, peerPort: 3380 }, { name: 'etcd-2', clientPort: 4379, peerPort: 4380 }] };

describe('local etcd topology', () => {
  it('a cluster without a member list has one member named default, keyed etcd, in the usual data dir', () => {
    expect(etcdMemberSpecs(base, layout)).toEqual([{ index: 0, name: 'default', clientPort: 2379, peerPort: 2380, dataDir: '/k/c1/etcd-data', processKey: 'etcd' }]);
  });

  it('three members: member 0 keeps the usual data dir, each is keyed by its name, all are in --initial-cluster', () => {
    const members = etcdMemberSpecs(three, layout);
    expect(members.map((m) => [m.name, m.dataDir, m.processKey])).toEqual([
      ['etcd-0', '/k/c1/etcd-data', 'etcd-0'], ['etcd-1', '/k/c1/etcd-data-1', 'etcd-1'], ['etcd-2', '/k/c1/etcd-data-2', 'etcd-2'],
    ]);
    expect(initialCluster(members)).toBe('etcd-0=https://127.0.0.1:2380,etcd-1=https://127.0.0.1:3380,etcd-2=https://127.0.0.1:4380');
    expect([1, 3, 5].map(quorumOf)).toEqual([1, 2, 3]);
  });

  it('a member re-added after `member add` joins the existing cluster; every other one founds it with the token', () => {
    const members = etcdMemberSpecs(three, layout);
    const args = etcdArgs(layout, members[1]!, { members, token: 't1', joining: true, fsync: false });
    expect(args).toEqual(expect.arrayContaining(['--name=etcd-1', '--data-dir=/k/c1/etcd-data-1', '--initial-cluster-state=existing', '--initial-cluster-token=t1', '--listen-peer-urls=https://127.0.0.1:3380']));
    expect(etcdArgs(layout, members[0]!, { members, token: 't1', joining: false, fsync: true })).toContain('--initial-cluster-state=new');
  });

  it('a snapshot restore re-declares every member, a new token, a bumped revision and the compaction mark', () => {
    const members = etcdMemberSpecs(three, layout);
    expect(restoreArgs('/s.db', members[2]!, members, 'new-token', '/tmp/d')).toEqual([
      'snapshot', 'restore', '/s.db', '--data-dir=/tmp/d', '--name=etcd-2',
      '--initial-cluster=etcd-0=https://127.0.0.1:2380,etcd-1=https://127.0.0.1:3380,etcd-2=https://127.0.0.1:4380',
      '--initial-advertise-peer-urls=https://127.0.0.1:4380', '--initial-cluster-token=new-token', '--bump-revision=1000000000', '--mark-compacted',
    ]);
  });

  it('reads member and leader ids of endpoint status without rounding the uint64s', () => {
    const json = '[{"Endpoint":"https://127.0.0.1:2379","Status":{"header":{"cluster_id":17237436991929493444,"member_id":9372538179322589801,"revision":229},"leader":10501334649042878790}}]';
    expect(parseEndpointStatuses(json)).toEqual([{ endpoint: 'https://127.0.0.1:2379', memberId: '8211f1d0f64f3269', leaderId: '91bc3c398fb3c146', revision: 229, errors: [] }]);
    expect(parseEndpointStatuses('')).toEqual([]);
  });
});
