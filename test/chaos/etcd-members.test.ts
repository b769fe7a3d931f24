import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { CHAOS_STEPS } from '../../src/chaos/registry.js';
import { EtcdReader } from '../../src/strategies/etcd-snapshot/etcd-reads.js';
import { divergingMembers } from '../../src/checks/etcd/values.js';
import { createAll, ns, readyz } from './support.js';

const step = (id: string) => CHAOS_STEPS[id]!;

describe('a 3-member etcd on a real local cluster: member chaos, quorum loss, replacement and restore', () => {
  let tc: TestCluster;
  let ctx: TestContext;
  const reader = () => new EtcdReader({ etcdctl: tc.cluster.state.binaries.etcdctl!, etcdutl: tc.cluster.state.binaries.etcdutl! }, tc.cluster.etcd);
  /** hashkv of every member at the revision the first endpoint is at. */
  const memberHashes = async () => {
    const { revision } = await reader().range('/registry/namespaces/');
    return reader().memberHashes(revision);
  };

  beforeAll(async () => {
    tc = await startTestCluster({ name: 'etcd-three', etcdMembers: 3 });
    ctx = await makeTestContext({ cluster: tc.cluster, client: tc.client });
  });
  afterAll(async () => {
    await ctx?.cleanup();
    await tc?.destroy();
  });

  it('runs three members with peer TLS, the apiserver pointed at all of them, and one leader', async () => {
    const members = tc.cluster.etcdMembers.list();
    expect(members.map((m) => [m.name, m.running])).toEqual([['etcd-0', true], ['etcd-1', true], ['etcd-2', true]]);
    expect(tc.cluster.etcd.endpoints).toHaveLength(3);
    expect(await tc.cluster.etcdMembers.leader()).toBeGreaterThanOrEqual(0);
    const statuses = await tc.cluster.etcdMembers.statuses();
    expect(new Set(statuses.map((s) => s.leaderId)).size).toBe(1);
    expect(new Set(statuses.map((s) => s.memberId)).size).toBe(3);
  });

  it('kill-etcd-member leader: the API serves on the other two, and the member comes back after restartAfter', async () => {
    const leader = (await tc.cluster.etcdMembers.leader())!;
    const name = tc.cluster.etcdMembers.list()[leader]!.name;
    const summary = await step('kill-etcd-member').run(ctx, { member: 'leader', restartAfter: '1s' });
    expect(summary).toMatch(new RegExp(`^killed \\(SIGKILL\\) etcd member ${name} \\(the leader\\); 2/3 members running; the API served again after \\d+\\.\\ds; started it again after 1s$`));
    expect(tc.cluster.etcdMembers.list().every((m) => m.running)).toBe(true);
    await createAll(tc.client, [ns('after-leader-kill')]);
    expect(divergingMembers(await memberHashes())).toEqual([]);
  });

  it('corrupt-etcd on one member leaves the API serving; replacing the member (remove, add empty) brings it back in step', async () => {
    const summary = await step('corrupt-etcd').run(ctx, { member: 1 });
    expect(summary).toMatch(/^overwrote 16384 bytes of etcd member etcd-1's member\/snap\/db at offset 0, .*; etcd member etcd-1 no longer starts \(.+\); left stopped$/);
    expect(tc.cluster.etcdMembers.list()[1]!.running).toBe(false);
    expect(await readyz(tc.client)).toBe(200);
    await createAll(tc.client, [ns('while-one-member-down')]);

    const replaced = await tc.cluster.etcdMembers.replace(1);
    expect(replaced.addedId).not.toBe(replaced.removedId);
    const hashes = await memberHashes();
    expect(hashes.map((h) => h.error)).toEqual([undefined, undefined, undefined]);
    expect(divergingMembers(hashes)).toEqual([]);
    // The new member caught up from its peers: it serves the namespace written while it was down.
    const onlyMember1 = new EtcdReader(reader()['tools'], { ...tc.cluster.etcd, endpoints: [tc.cluster.etcd.endpoints[1]!] });
    expect((await onlyMember1.range('/registry/namespaces/while-one-member-down')).kvs).toHaveLength(1);
  });

  it('quorum-loss stops two of three, destroys their data and proves the API unavailable; restoring every member from one snapshot recovers', async () => {
    await createAll(tc.client, [ns('in-snapshot')]);
    const snapshot = join(ctx.workDir, 'three.db');
    await tc.cluster.takeEtcdSnapshot(snapshot);
    await createAll(tc.client, [ns('after-snapshot')]);

    const summary = await step('quorum-loss').run(ctx, { destroyData: true });
    expect(summary).toMatch(/^stopped etcd members etcd-1, etcd-2 \(2 of 3, quorum 2\) and removed their data; the API no longer serves \(failing readyz: .*etcd.*\)$/);
    expect(await readyz(tc.client)).not.toBe(200);

    await tc.cluster.restoreEtcdSnapshot(snapshot);
    await tc.cluster.waitReady(5 * 60_000);
    const hashes = await memberHashes();
    expect(hashes.every((h) => h.error === undefined)).toBe(true);
    expect(divergingMembers(hashes)).toEqual([]);
    expect(await tc.client.getOptional('/api/v1/namespaces/in-snapshot')).toBeDefined();
    expect(await tc.client.getOptional('/api/v1/namespaces/after-snapshot')).toBeUndefined();
    // A new cluster token: no member of the old cluster could join the restored one.
    expect(tc.cluster.state.etcdToken).toMatch(/^kdrill-restore-/);
  });

  it('refuses quorum-loss that leaves a quorum, and corrupt-etcd without a member on several members', async () => {
    await expect(step('quorum-loss').run(ctx, { members: [2] })).rejects.toThrow(/stopping 1 of 3 members leaves a quorum of 2/);
    await expect(step('corrupt-etcd').run(ctx, {})).rejects.toThrow(/runs 3 etcd members/);
    expect(tc.cluster.etcdMembers.list().every((m) => m.running)).toBe(true);
  });
});
