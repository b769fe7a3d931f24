import { Type } from '@sinclair/typebox';
import type { DrillContext } from '../contracts/types.js';
import type { EtcdMemberControl } from '../providers/types.js';
import { invalidOption } from './options.js';
import { waitUntil } from './wait.js';
import { readiness } from '../kube/readyz.js';

/** A member by index (from 0) or the current raft leader. */
export const MemberOption = Type.Union([Type.Integer({ minimum: 0, maximum: 4 }), Type.Literal('leader')], {
  description: 'The etcd member: its index (from 0) or leader (the member the others follow right now)',
});

/** The cluster's per-member etcd control; E_SCENARIO_INVALID when the provider runs no members itself. */
export function memberControl(ctx: DrillContext, step: string, minMembers = 1): EtcdMemberControl {
  const control = ctx.cluster.etcdMembers;
  const count = control?.list().length ?? 0;
  if (!control || count < minMembers) {
    throw invalidOption(
      step,
      control ? `cluster ${ctx.cluster.name} has ${count} etcd member(s); this step needs at least ${minMembers}` : `cluster ${ctx.cluster.name} (provider ${ctx.cluster.provider}) does not run etcd members kdrill can control`,
      'use the local provider with options.etcdMembers: 3',
    );
  }
  return control;
}

/** The index a member option names; `leader` is asked of the running members. */
export async function resolveMember(control: EtcdMemberControl, step: string, member: number | 'leader'): Promise<number> {
  if (member !== 'leader') {
    if (member >= control.list().length) throw invalidOption(step, `member ${member} does not exist (members 0-${control.list().length - 1})`);
    return member;
  }
  const leader = await control.leader();
  if (leader === undefined) throw invalidOption(step, 'the running etcd members agree on no leader', 'run this step while etcd has quorum');
  return leader;
}

/** What the API says about etcd: ready (200 on /readyz) or the failing readyz checks (`no answer` when silent). */
export async function apiVerdict(ctx: DrillContext): Promise<{ ready: boolean; failing: string[] }> {
  const r = await readiness(ctx.client, AbortSignal.timeout(10_000));
  return { ready: r.ready, failing: r.answered ? r.failing : ['no answer'] };
}

/** Waits until the API is ready again (a new leader may be elected first); returns how long that took. */
export async function waitApiReady(ctx: DrillContext, what: string, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  await waitUntil(async () => (await apiVerdict(ctx)).ready, {
    timeoutMs,
    signal: ctx.signal,
    what,
    explain: async () => `failing readyz checks: ${(await apiVerdict(ctx)).failing.join(', ')}`,
    hint: 'a majority of etcd members must run for the API to serve',
  });
  return Date.now() - started;
}
