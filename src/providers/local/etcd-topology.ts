import type { ClusterLayout } from './layout.js';
import type { LocalClusterState } from './state.js';

/** One etcd member of a local cluster: its name, ports, data dir and the key its pid is stored under. */
export interface EtcdMemberSpec {
  index: number;
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  /** Key in cluster.json's pids: `etcd` for a single member (as before multi-member clusters), else the member's name. */
  processKey: string;
}

/** The members of a local cluster: one named `default` unless cluster.json lists several. */
export function etcdMemberSpecs(state: LocalClusterState, layout: ClusterLayout): EtcdMemberSpec[] {
  const listed = state.etcdMembers;
  if (!listed || listed.length <= 1) {
    return [{ index: 0, name: 'default', clientPort: state.ports.etcdClient, peerPort: state.ports.etcdPeer, dataDir: layout.etcdData, processKey: 'etcd' }];
  }
  // Member 0 keeps the single-member data dir, so EtcdAccess.dataDir means the same thing in both shapes.
  return listed.map((m, index) => ({ index, ...m, dataDir: index === 0 ? layout.etcdData : `${layout.etcdData}-${index}`, processKey: m.name }));
}

export const clientUrl = (m: Pick<EtcdMemberSpec, 'clientPort'>): string => `https://127.0.0.1:${m.clientPort}`;
export const peerUrl = (m: Pick<EtcdMemberSpec, 'peerPort'>): string => `https://127.0.0.1:${m.peerPort}`;

/** etcd's --initial-cluster value: every member's name and peer URL. */
export function initialCluster(members: readonly EtcdMemberSpec[]): string {
  return members.map((m) => `${m.name}=${peerUrl(m)}`).join(',');
}

/** Member names of an n-member cluster (n > 1). */
export function memberNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `etcd-${i}`);
}

/** The smallest number of members that is a majority (quorum) of `count`. */
export function quorumOf(count: number): number {
  return Math.floor(count / 2) + 1;
}

/** True for the cluster.json pid keys of etcd: `etcd` (one member) or a member name (`etcd-0`, ...). */
export function isEtcdProcessKey(key: string): boolean {
  return key === 'etcd' || /^etcd-\d+$/.test(key);
}
