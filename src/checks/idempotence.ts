import { Type, type Static } from '@sinclair/typebox';
import type { Check, CheckOutcome } from '../contracts/types.js';
import { STRATEGIES } from '../strategies/registry.js';
import { capped, parseCheckOptions } from './check-support.js';
import { snapshotVersions, writesSince, type ObjectWrite } from './idempotence/versions.js';

const Options = Type.Object(
  {
    /** Which counts of the strategy's report mean "something changed". */
    changeCounts: Type.Optional(Type.Array(Type.String(), { description: 'Report counts that must be zero (default created, updated, recreated, pruned)' })),
    namespaces: Type.Optional(Type.Array(Type.String(), { description: 'Look for written objects only in these namespaces (default: all, and cluster-scoped objects)' })),
    ignoreKinds: Type.Optional(Type.Array(Type.String(), { description: 'Kinds whose writes do not count (something else rewrites them on purpose)' })),
  },
  { additionalProperties: false },
);
type Options = Static<typeof Options>;

/** Strategies whose restore replaces the whole store (no per-object writes to count). */
const WHOLESALE = new Set(['etcd-snapshot']);

/**
 * Restore the same backup a second time: a correct, idempotent restore makes no write at all. Writes are counted
 * twice: through kdrill's client, and by comparing the resourceVersion of every object in scope before and after,
 * which also sees a restore tool's own writes (the `command` strategy: Velero, kubectl, scripts).
 */
export const idempotence: Check = {
  id: 'idempotence',
  description: 'A second restore of the same backup changes nothing: no object in scope gets a new resourceVersion, zero API writes, zero created/updated objects',
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
    // Pruning deletes what is not in the backup: the check repeats the restore, never its deletes.
    const { prune, ...restoreOptions } = spec.restore?.options ?? {};
    const scope = { ...(opts.namespaces ? { namespaces: opts.namespaces } : {}), ...(opts.ignoreKinds ? { ignoreKinds: opts.ignoreKinds } : {}) };
    const snapshot = await snapshotVersions(ctx.client, scope);
    const before = ctx.client.writeCount.value;
    const report = await strategy.restore(ctx, ctx.backup, restoreOptions);
    const writes = ctx.client.writeCount.value - before;
    const { writes: objects, byCluster } = await writesSince(ctx.client, snapshot, scope);
    const keys = opts.changeCounts ?? ['created', 'updated', 'recreated', 'pruned'];
    const changed = Object.fromEntries(keys.map((k) => [k, report.counts[k] ?? 0]).filter(([, v]) => Number(v) > 0));
    const evidence = {
      strategy: id,
      writes,
      objectsCompared: snapshot.versions.size,
      objectsWritten: capped(objects.map(describe), 20),
      writesByClusterControllers: capped(byCluster.map(describe), 10),
      ...(prune === undefined ? {} : { pruneSkipped: true }),
      counts: report.counts,
      notes: report.notes.slice(0, 20),
    };
    return outcome({ id, writes, objects, changed, compared: snapshot.versions.size, unchanged: report.counts.unchanged, evidence });
  },
};

function describe(w: ObjectWrite): string {
  return `${w.change} ${w.key}${w.manager ? ` (by ${w.manager})` : ''}`;
}

function outcome(f: { id: string; writes: number; objects: ObjectWrite[]; changed: Record<string, unknown>; compared: number; unchanged?: number; evidence: Record<string, unknown> }): CheckOutcome {
  if (f.writes === 0 && f.objects.length === 0 && Object.keys(f.changed).length === 0) {
    const unchanged = f.unchanged !== undefined ? `, ${f.unchanged} objects unchanged` : '';
    return { status: 'passed', summary: `second ${f.id} restore made 0 writes (${f.compared} objects kept their resourceVersion${unchanged})`, evidence: f.evidence };
  }
  const counted = Object.entries(f.changed).map(([k, v]) => `${k}=${v}`).join(' ') || 'no counted changes';
  const first = f.objects[0] ? `; first: ${describe(f.objects[0])}` : '';
  return {
    status: 'failed',
    summary: `second ${f.id} restore was not a no-op: ${f.objects.length} objects written, ${f.writes} API writes through kdrill, ${counted}${first}`,
    evidence: f.evidence,
    recommendation: 'a restore that keeps rewriting objects fights controllers or defaults: compare the desired object with the live one after normalization (defaulted fields, status) and skip writes that change nothing',
  };
}
