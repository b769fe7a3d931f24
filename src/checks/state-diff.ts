import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import { parseCheckOptions } from './check-support.js';
import type { Check, CheckOutcome, DrillContext } from '../contracts/types.js';
import type { KubeObject } from '../kube/types.js';
import { captureState, type StateSelection } from './capture-state.js';
import { compareStates, type StateComparison } from './diff/compare-states.js';
import { parseIgnoreRule } from './diff/ignore-fields.js';
import { capList } from './diff/render.js';
import { runHashKey } from './normalize.js';

const Options = Type.Object(
  {
    namespaces: Type.Optional(Type.Array(Type.String(), { description: 'Only these namespaces (default: all)' })),
    kinds: Type.Optional(Type.Array(Type.String(), { description: 'Only these kinds: ConfigMap, deployments.apps' })),
    excludeKinds: Type.Optional(Type.Array(Type.String())),
    labelSelector: Type.Optional(Type.String()),
    ignoreFields: Type.Optional(Type.Array(Type.String(), { description: "JSON paths not compared, e.g. Deployment:spec.replicas" })),
    allowExtra: Type.Optional(Type.Boolean({ description: 'Objects absent from the baseline do not fail the check' })),
    maskKinds: Type.Optional(Type.Array(Type.String(), { description: 'Kinds whose values are masked in diffs besides Secrets and resource-export sealKinds' })),
    maxListed: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Keys and diffs listed in the evidence (default 20)' })),
  },
  { additionalProperties: false },
);
type Options = Static<typeof Options>;

interface StateBaseline {
  format: 'state-diff/v1';
  /** Fingerprint of the masking key: a baseline masked under another key cannot be compared. */
  maskKeyId: string;
  objects: Record<string, KubeObject>;
}

/** Compares every selected object after the restore with the baseline: missing, extra and changed objects, with diffs. */
export const stateDiff: Check = {
  id: 'state-diff',
  description: 'The restored objects equal the baseline (missing, extra and changed objects, with diffs; values of Secrets and sealed kinds masked)',
  optionsSchema: Options,
  async baseline(ctx, options) {
    const opts = parseCheckOptions('state-diff', Options, options);
    (opts.ignoreFields ?? []).forEach(parseIgnoreRule);
    const objects = Object.fromEntries(await capture(ctx, opts));
    return { format: 'state-diff/v1', maskKeyId: maskKeyId(ctx), objects } satisfies StateBaseline;
  },
  async verify(ctx, options, baseline) {
    const opts = parseCheckOptions('state-diff', Options, options);
    const base = asBaseline(baseline, ctx);
    const current = Object.fromEntries(await capture(ctx, opts));
    const ignore = (opts.ignoreFields ?? []).map(parseIgnoreRule);
    const max = opts.maxListed ?? 20;
    const result = outcome(compareStates(base.objects, current, { ignore, maxDiffs: max }), opts, max);
    return { ...result, evidence: { ...result.evidence, maskedKinds: ['Secret', ...maskedKinds(ctx, opts)] } };
  },
};

function capture(ctx: DrillContext, opts: Options) {
  const selection: StateSelection = {};
  if (opts.namespaces) selection.namespaces = opts.namespaces;
  if (opts.kinds) selection.kinds = opts.kinds;
  if (opts.excludeKinds) selection.excludeKinds = opts.excludeKinds;
  if (opts.labelSelector) selection.labelSelector = opts.labelSelector;
  selection.maskKinds = maskedKinds(ctx, opts);
  return captureState(ctx.client, selection, runHashKey(ctx));
}

/** Kinds masked like Secrets: the option's, plus every kind the resource-export backup seals (`sealKinds`). */
export function maskedKinds(ctx: Pick<DrillContext, 'scenario'>, opts: Pick<Options, 'maskKinds'>): string[] {
  const backup = ctx.scenario.spec.backup;
  const sealed = backup.strategy === 'resource-export' ? ((backup.options as { sealKinds?: string[] } | undefined)?.sealKinds ?? []) : [];
  return [...new Set([...(opts.maskKinds ?? []), ...sealed])];
}

function maskKeyId(ctx: DrillContext): string {
  return createHash('sha256').update(runHashKey(ctx)).digest('hex').slice(0, 12);
}

function asBaseline(value: unknown, ctx: DrillContext): StateBaseline {
  const base = value as StateBaseline | undefined;
  if (base?.format !== 'state-diff/v1') {
    throw new KdrillError('E_INTERNAL', 'state-diff has no baseline to compare with', { hint: 'the check needs its baseline phase to run first' });
  }
  if (base.maskKeyId !== maskKeyId(ctx)) {
    throw new KdrillError('E_INTERNAL', 'state-diff baseline was masked under another run key', {
      hint: 'baseline and verify must run in the same kdrill process',
    });
  }
  return base;
}

/** The outcome of a comparison: fails on missing or changed objects, and on extra ones unless allowed. */
export function outcome(cmp: StateComparison, opts: Pick<Options, 'allowExtra' | 'ignoreFields'>, max: number): CheckOutcome {
  const total = cmp.missing.length + cmp.changed.length + cmp.unchanged;
  const failed = cmp.missing.length > 0 || cmp.changed.length > 0 || (cmp.extra.length > 0 && !opts.allowExtra);
  const evidence = {
    objects: { baseline: total, current: total - cmp.missing.length + cmp.extra.length, unchanged: cmp.unchanged },
    missing: capList(cmp.missing, max),
    extra: capList(cmp.extra, max),
    changed: capList(cmp.changed.map((c) => (c.diff ? c : { key: c.key })), max),
    perKind: Object.fromEntries(Object.entries(cmp.perKind).filter(([, c]) => c.missing + c.extra + c.changed > 0)),
    ignoredFields: opts.ignoreFields ?? [],
    allowExtra: opts.allowExtra ?? false,
  };
  const counts = `${cmp.missing.length} missing, ${cmp.changed.length} changed, ${cmp.extra.length} extra`;
  if (!failed) {
    return { status: 'passed', summary: `all ${total} baseline objects match (${counts})`, evidence };
  }
  return { status: 'failed', summary: `${counts} of ${total} baseline objects`, evidence, recommendation: recommend(cmp, opts) };
}

function recommend(cmp: StateComparison, opts: Pick<Options, 'allowExtra'>): string {
  const parts: string[] = [];
  if (cmp.missing.length) {
    parts.push(`the restore did not bring back ${cmp.missing.length} object(s), e.g. ${cmp.missing[0]}: check the backup's include/exclude filters and the restore log`);
  }
  if (cmp.changed.length) {
    parts.push(`${cmp.changed.length} object(s) differ from the baseline, e.g. ${cmp.changed[0]!.key}: see the diffs; add fields a controller rewrites on purpose to ignoreFields`);
  }
  if (cmp.extra.length && !opts.allowExtra) {
    parts.push(`${cmp.extra.length} object(s) were not in the baseline, e.g. ${cmp.extra[0]}: chaos leftovers or controller output; set allowExtra: true or exclude their kinds`);
  }
  return parts.join('; ');
}
