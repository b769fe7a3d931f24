import { Type } from '@sinclair/typebox';
import type { Check } from '../contracts/types.js';
import { STRATEGIES } from '../strategies/registry.js';
import { parseCheckOptions } from './check-support.js';

const Options = Type.Object(
  {
    /** Which counts of the strategy's report mean "something changed". */
    changeCounts: Type.Optional(Type.Array(Type.String(), { description: 'Report counts that must be zero (default created, updated, recreated, pruned)' })),
  },
  { additionalProperties: false },
);

/** Strategies whose restore replaces the whole store (no per-object writes to count). */
const WHOLESALE = new Set(['etcd-snapshot']);

/** Restore the same backup a second time: a correct, idempotent restore makes no write at all. */
export const idempotence: Check = {
  id: 'idempotence',
  description: 'A second restore of the same backup changes nothing: zero API writes and zero created/updated/pruned objects',
  optionsSchema: Options,
  async verify(ctx, options) {
    const opts = parseCheckOptions('idempotence', Options, options);
    const spec = ctx.scenario.spec;
    const id = spec.restore?.strategy ?? spec.backup.strategy;
    const strategy = STRATEGIES[id];
    if (!ctx.backup || !strategy) return { status: 'skipped', summary: 'no backup or no restore strategy to repeat' };
    if (WHOLESALE.has(id)) {
      return { status: 'skipped', summary: `${id} replaces the whole etcd store on every restore; its idempotence is what state-diff and etcd-consistency prove` };
    }
    const before = ctx.client.writeCount.value;
    const report = await strategy.restore(ctx, ctx.backup, spec.restore?.options ?? {});
    const writes = ctx.client.writeCount.value - before;
    const keys = opts.changeCounts ?? ['created', 'updated', 'recreated', 'pruned'];
    const changed = Object.fromEntries(keys.map((k) => [k, report.counts[k] ?? 0]).filter(([, v]) => Number(v) > 0));
    const evidence = { strategy: id, writes, counts: report.counts, notes: report.notes.slice(0, 20) };
    if (writes === 0 && Object.keys(changed).length === 0) {
      return { status: 'passed', summary: `second ${id} restore made 0 writes (${report.counts.unchanged ?? 0} objects unchanged)`, evidence };
    }
    return {
      status: 'failed',
      summary: `second ${id} restore was not a no-op: ${writes} API writes, ${Object.entries(changed).map(([k, v]) => `${k}=${v}`).join(' ') || 'no counted changes'}`,
      evidence,
      recommendation: 'a restore that keeps rewriting objects fights controllers or defaults: compare the desired object with the live one after normalization (defaulted fields, status) and skip writes that change nothing',
    };
  },
};
