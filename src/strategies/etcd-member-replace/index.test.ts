import { describe, expect, it } from 'vitest';
import type { Cluster } from '../../providers/types.js';
import { etcdMemberReplaceStrategy } from './index.js';

const withMembers = (count: number | undefined) =>
  ({ name: 'c', provider: 'local', ...(count === undefined ? {} : { etcdMembers: { list: () => Array.from({ length: count }, (_, i) => ({ index: i })) } }) }) as unknown as Cluster;

describe('etcd-member-replace strategy contract', () => {
  it('needs three or more members kdrill controls, restores only into the same cluster, and says what it deletes', () => {
    expect(etcdMemberReplaceStrategy.unsupportedReason!(withMembers(3))).toBeUndefined();
    expect(etcdMemberReplaceStrategy.unsupportedReason!(withMembers(1))).toBe('cluster c (provider local) has 1 etcd member(s): replacing a member needs 3 or more (local provider, etcdMembers: 3)');
    expect(etcdMemberReplaceStrategy.unsupportedReason!(withMembers(undefined))).toMatch(/has no controllable etcd member/);
    expect(etcdMemberReplaceStrategy.targets).toEqual(['same']);
    expect(etcdMemberReplaceStrategy.restoreDeletes!({})).toMatch(/removes a failed member/);
  });

  it('refuses a bad option naming it, before touching anything', async () => {
    const ctx = { cluster: withMembers(3) } as never;
    await expect(etcdMemberReplaceStrategy.backup(ctx, { startTimeout: 'soon' })).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID', message: expect.stringMatching(/^strategy etcd-member-replace: option \/startTimeout /) });
    await expect(etcdMemberReplaceStrategy.backup(ctx, { catchUp: '1m' })).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID' });
  });
});
