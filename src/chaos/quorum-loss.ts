import { Type } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import type { ChaosStep } from '../contracts/types.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { DurationOption, durationMs, invalidOption, parseStepOptions } from './options.js';
import { apiVerdict, memberControl } from './etcd-member.js';
import { waitUntil } from './wait.js';

const ID = 'quorum-loss';

const Options = Type.Object(
  {
    members: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 4 }), { minItems: 1, uniqueItems: true, description: 'Members to stop (default: the last majority, e.g. 1 and 2 of 3)' })),
    destroyData: Type.Optional(Type.Boolean({ description: "Also remove the stopped members' data dirs: their disks are lost (default false)" })),
    probeTimeout: Type.Optional(DurationOption('How long the API may take to report etcd unavailable', '60s')),
  },
  { additionalProperties: false },
);

/** Stops a majority of etcd members (optionally destroying their data) and proves the API can no longer serve. */
export const quorumLoss: ChaosStep = {
  id: ID,
  description: "Stop a majority of etcd members (destroyData: their disks are lost) and prove the API goes unavailable",
  optionsSchema: Options,
  destructive: true,
  async run(ctx, raw) {
    assertDestructiveAllowed(ctx, ID);
    const o = parseStepOptions(ID, Options, raw);
    const control = memberControl(ctx, ID, 3);
    const all = control.list();
    const quorum = Math.floor(all.length / 2) + 1;
    const lost = o.members ?? all.slice(all.length - quorum).map((m) => m.index);
    if (lost.some((i) => i >= all.length)) throw invalidOption(ID, `members ${lost.join(', ')}: the cluster has members 0-${all.length - 1}`);
    if (all.length - lost.length >= quorum) {
      throw invalidOption(ID, `stopping ${lost.length} of ${all.length} members leaves a quorum of ${quorum}`, `list at least ${quorum} members, or leave members unset`);
    }
    for (const index of lost) await control.stop(index);
    if (o.destroyData) for (const index of lost) await control.wipe(index);
    const failing = await proveUnavailable(ctx, durationMs(o.probeTimeout ?? '60s'));
    const names = lost.map((i) => all[i]!.name);
    ctx.facts.set(`chaos.${ID}`, { members: names, destroyData: o.destroyData ?? false, failing });
    return `stopped etcd members ${names.join(', ')} (${lost.length} of ${all.length}, quorum ${quorum})${o.destroyData ? ' and removed their data' : ''}; the API no longer serves (failing readyz: ${failing.join(', ')})`;
  },
};

/** Waits until /readyz fails on etcd; if the API still serves, the step broke nothing and fails. */
async function proveUnavailable(ctx: Parameters<ChaosStep['run']>[0], timeoutMs: number): Promise<string[]> {
  let failing: string[] = [];
  try {
    await waitUntil(async () => {
      const verdict = await apiVerdict(ctx);
      failing = verdict.failing;
      return !verdict.ready && failing.some((check) => check.includes('etcd') || check === 'no answer');
    }, { timeoutMs, signal: ctx.signal, what: 'the API to report etcd unavailable' });
  } catch (error) {
    if (error instanceof KdrillError && error.code === 'E_TIMEOUT') {
      throw new KdrillError('E_SCENARIO_INVALID', `chaos step ${ID}: the API still served ${Math.round(timeoutMs / 1000)}s after quorum was lost`, {
        hint: 'the apiserver must point at these etcd members only (local provider with etcdMembers: 3)',
      });
    }
    throw error;
  }
  return failing;
}
