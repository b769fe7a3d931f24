import { Type } from '@sinclair/typebox';
import type { ChaosStep } from '../contracts/types.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { DurationOption, durationMs, parseStepOptions } from './options.js';
import { MemberOption, memberControl, resolveMember, waitApiReady } from './etcd-member.js';
import { downFor } from './wait.js';

const Options = Type.Object(
  {
    member: MemberOption,
    restartAfter: Type.Optional(DurationOption('Start the member again this long after it went down (default: leave it stopped)')),
  },
  { additionalProperties: false },
);

/**
 * A step that takes one etcd member down (SIGTERM or SIGKILL) and proves the API still serves while a quorum
 * remains; `restartAfter` starts the member again and waits until it is healthy.
 */
export function etcdMemberStep(id: string, mode: 'stop' | 'kill', description: string): ChaosStep {
  return {
    id,
    description,
    optionsSchema: Options,
    destructive: true,
    async run(ctx, raw) {
      assertDestructiveAllowed(ctx, id);
      const o = parseStepOptions(id, Options, raw);
      const control = memberControl(ctx, id);
      const index = await resolveMember(control, id, o.member);
      const member = control.list()[index]!;
      await (mode === 'kill' ? control.kill(index) : control.stop(index));
      const running = control.list().filter((m) => m.running).length;
      const total = control.list().length;
      // With a quorum left the API must keep serving (after a new election when the leader went).
      const serving = running * 2 > total ? `; the API served again after ${((await waitApiReady(ctx, `the API to serve with ${running}/${total} etcd members`)) / 1000).toFixed(1)}s` : '';
      const verb = mode === 'kill' ? 'killed (SIGKILL)' : 'stopped';
      const was = o.member === 'leader' ? ' (the leader)' : '';
      if (o.restartAfter === undefined) {
        ctx.facts.set(`chaos.${id}`, { member: member.name, restarted: false });
        return `${verb} etcd member ${member.name}${was}; ${running}/${total} members running${serving}; left stopped`;
      }
      await downFor(durationMs(o.restartAfter), ctx.signal, () => control.start(index));
      ctx.facts.set(`chaos.${id}`, { member: member.name, restarted: true });
      return `${verb} etcd member ${member.name}${was}; ${running}/${total} members running${serving}; started it again after ${o.restartAfter}`;
    },
  };
}
