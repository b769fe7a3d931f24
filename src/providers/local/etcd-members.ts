import { rm } from 'node:fs/promises';
import { execa } from 'execa';
import { KdrillError } from '../../core/errors.js';
import type { EtcdMember, EtcdMemberControl } from '../types.js';
import type { LocalCluster } from './cluster.js';
import { clientUrl, peerUrl, type EtcdMemberSpec } from './etcd-topology.js';
import { pollUntil } from './health.js';
import { sleep } from './process.js';
import { parseEndpointStatuses, parseMemberList, type EndpointStatus, type ListedMember } from '../../kube/etcd-status.js';

/** Per-member control of a local cluster's etcd, through its processes and etcdctl. */
export class LocalEtcdMembers implements EtcdMemberControl {
  constructor(private readonly cluster: LocalCluster) {}

  list(): EtcdMember[] {
    return this.specs().map((m) => ({ index: m.index, name: m.name, clientUrl: clientUrl(m), peerUrl: peerUrl(m), dataDir: m.dataDir, running: this.cluster.isRunning(m.processKey) }));
  }

  async leader(): Promise<number | undefined> {
    const statuses = await this.statuses();
    const leaders = new Set(statuses.map((s) => s.leaderId).filter((id) => id !== '0'));
    if (leaders.size !== 1) return undefined;
    const [leaderId] = leaders;
    const answered = statuses.find((s) => s.memberId === leaderId);
    return answered ? this.specs().find((m) => clientUrl(m) === answered.endpoint)?.index : undefined;
  }

  async stop(index: number): Promise<void> {
    await this.cluster.stopProcess(this.spec(index).processKey, 10_000);
  }

  async kill(index: number): Promise<void> {
    await this.cluster.killProcess(this.spec(index).processKey);
  }

  async start(index: number, timeoutMs = 60_000): Promise<void> {
    await this.cluster.startMember(this.spec(index), timeoutMs);
  }

  async wipe(index: number): Promise<void> {
    const member = this.spec(index);
    if (this.cluster.isRunning(member.processKey)) {
      throw new KdrillError('E_INTERNAL', `etcd member ${member.name} is running: stop it before removing its data`);
    }
    await rm(member.dataDir, { recursive: true, force: true });
  }

  async replace(index: number, timeoutMs = 120_000): Promise<{ removedId?: string; addedId: string; revision: number }> {
    const member = this.spec(index);
    const peers = this.specs().filter((m) => m.index !== index && this.cluster.isRunning(m.processKey));
    if (peers.length === 0) throw new KdrillError('E_CLUSTER_START', `etcd member ${member.name} cannot be replaced: no other member runs`, { hint: 'restore from a snapshot instead (strategy etcd-snapshot)' });
    const endpoints = peers.map(clientUrl);
    await this.stop(index);
    const removedId = (await this.memberList(endpoints)).find((m) => m.name === member.name || m.peerUrls.includes(peerUrl(member)))?.id;
    if (removedId) await this.etcdctl(endpoints, ['member', 'remove', removedId]);
    await rm(member.dataDir, { recursive: true, force: true });
    const added = await this.addMember(endpoints, member, timeoutMs);
    const addedId = /Member\s+([0-9a-f]+)\s+added/.exec(added)?.[1] ?? 'unknown';
    await this.markJoining(member.name, true);
    await this.cluster.startMember(member, timeoutMs);
    const revision = await this.waitCaughtUp(member, endpoints, timeoutMs);
    return { ...(removedId ? { removedId } : {}), addedId, revision };
  }

  /**
   * `member add`, retried while etcd answers "unhealthy cluster": it refuses a new voting member until every peer has
   * been connected for 5 s (strict reconfig check), which a cluster that just started or lost a member is not.
   */
  private async addMember(endpoints: string[], member: EtcdMemberSpec, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await this.etcdctl(endpoints, ['member', 'add', member.name, `--peer-urls=${peerUrl(member)}`]);
      } catch (error) {
        if (!/unhealthy cluster/.test((error as Error).message) || Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  /** `etcdctl member list` through `endpoints`: hex id, name and peer URLs of each member. */
  async memberList(endpoints: string[]): Promise<ListedMember[]> {
    return parseMemberList(await this.etcdctl(endpoints, ['member', 'list', '-w', 'simple']));
  }

  /** `etcdctl endpoint status` of every running member (members that do not answer are left out). */
  async statuses(): Promise<EndpointStatus[]> {
    const running = this.specs().filter((m) => this.cluster.isRunning(m.processKey));
    const rows = await Promise.all(running.map(async (m) => {
      const out = await this.etcdctl([clientUrl(m)], ['endpoint', 'status', '-w', 'json'], true);
      return parseEndpointStatuses(out);
    }));
    return rows.flat();
  }

  /** Waits until the new member has applied at least the revision its peers had when it started. */
  private async waitCaughtUp(member: EtcdMemberSpec, peers: string[], timeoutMs: number): Promise<number> {
    const target = Math.max(0, ...parseEndpointStatuses(await this.etcdctl(peers, ['endpoint', 'status', '-w', 'json'])).map((s) => s.revision));
    let revision = 0;
    const caughtUp = async () => {
      revision = parseEndpointStatuses(await this.etcdctl([clientUrl(member)], ['endpoint', 'status', '-w', 'json'], true))[0]?.revision ?? 0;
      return revision >= target;
    };
    if (!(await pollUntil(caughtUp, timeoutMs))) {
      throw new KdrillError('E_TIMEOUT', `etcd member ${member.name} reached revision ${revision} of ${target} in ${timeoutMs / 1000}s`, { hint: `see ${this.cluster.logFile(member.processKey)}` });
    }
    return revision;
  }

  private async markJoining(name: string, joining: boolean): Promise<void> {
    const state = this.cluster.state;
    const others = (state.etcdJoining ?? []).filter((n) => n !== name);
    state.etcdJoining = joining ? [...others, name] : others;
    await this.cluster.saveState();
  }

  private async etcdctl(endpoints: string[], args: string[], tolerant = false): Promise<string> {
    const e = this.cluster.etcd;
    const result = await execa(this.cluster.state.binaries.etcdctl!, [
      `--endpoints=${endpoints.join(',')}`, `--cacert=${e.caFile}`, `--cert=${e.certFile}`, `--key=${e.keyFile}`, '--dial-timeout=3s', '--command-timeout=10s', ...args,
    ], { reject: false, env: { ETCDCTL_API: '3' } });
    if (result.exitCode !== 0 && !tolerant) {
      throw new KdrillError('E_COMMAND', `etcdctl ${args.slice(0, 2).join(' ')} against ${endpoints.join(',')} failed: ${String(result.stderr).trim().split('\n').at(-1)}`);
    }
    return String(result.stdout ?? '');
  }

  private specs(): EtcdMemberSpec[] {
    return this.cluster.etcdMemberSpecs();
  }

  private spec(index: number): EtcdMemberSpec {
    const member = this.specs()[index];
    if (!member) throw new KdrillError('E_SCENARIO_INVALID', `cluster ${this.cluster.name} has no etcd member ${index} (it has ${this.specs().length})`, { hint: 'members are numbered from 0' });
    return member;
  }
}
