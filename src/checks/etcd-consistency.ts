import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import type { Check, CheckOutcome, DrillContext } from '../contracts/types.js';
import { etcdTools } from '../strategies/etcd-snapshot/etcd-tools.js';
import { parseCheckOptions } from './check-support.js';
import { secretFingerprints } from './etcd/api-side.js';
import { EtcdReader } from '../strategies/etcd-snapshot/etcd-reads.js';
import { inspect, type EtcdBaseline } from './etcd/inspect.js';
import { stableKeys } from './etcd/key-set.js';
import { judge } from './etcd/outcome.js';
import { runHashKey } from './normalize.js';
import { KEY_DIGESTS_ARTIFACT, type KeyDigests } from '../strategies/etcd-snapshot/key-digests.js';

const Options = Type.Object(
  {
    prefix: Type.Optional(Type.String({ pattern: '^/', description: "The apiserver's etcd prefix (default /registry)" })),
    excludePrefixes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'More key prefixes (relative to prefix, e.g. pods/) left out of the key-set comparison' })),
    allowExtraKeys: Type.Optional(Type.Boolean({ description: 'Keys absent from the baseline do not fail the check (default false)' })),
    requireEncryption: Type.Optional(Type.Boolean({ description: 'Fail when a Secret is stored in plaintext in etcd (default true)' })),
    customResources: Type.Optional(Type.Boolean({ description: 'Count custom resources against their LIST too (default true)' })),
    secretSample: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000, description: 'Secrets read back through the API (default 50)' })),
    maxListed: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Keys and Secrets listed in the evidence (default 20)' })),
  },
  { additionalProperties: false },
);
type Options = Static<typeof Options>;

const FORMAT = 'etcd-consistency/v1';

/** etcd agrees with itself, with the baseline and with the apiserver: healthy members, stable hashkv, same keys, Secrets encrypted and readable. */
export const etcdConsistency: Check = {
  id: 'etcd-consistency',
  description: 'etcd members healthy and agreeing on hashkv, /registry keys equal the baseline, values equal the restored snapshot\'s, Secrets encrypted at rest, every key readable through the API',
  optionsSchema: Options,
  async baseline(ctx, options) {
    const opts = parseCheckOptions('etcd-consistency', Options, options);
    const reason = noEtcd(ctx);
    const root = rootOf(opts);
    if (reason) return { format: FORMAT, maskKeyId: maskKeyId(ctx), skipped: reason, root, revision: 0, keys: [], secrets: {} } satisfies EtcdBaseline;
    const reader = new EtcdReader(await etcdTools(ctx), ctx.cluster.etcd!);
    const { revision, kvs } = await reader.range(root);
    const keys = stableKeys(kvs.map((kv) => kv.key), root, opts.excludePrefixes);
    const secrets = await secretFingerprints(ctx.client, runHashKey(ctx));
    return { format: FORMAT, maskKeyId: maskKeyId(ctx), root, revision, keys, secrets } satisfies EtcdBaseline;
  },
  async verify(ctx, options, baseline): Promise<CheckOutcome> {
    const opts = parseCheckOptions('etcd-consistency', Options, options);
    const reason = noEtcd(ctx);
    if (reason) return { status: 'skipped', summary: reason, recommendation: 'run this check against a provider with etcd access (local, k3s, kind)' };
    const root = rootOf(opts);
    const base = usableBaseline(baseline, ctx, root);
    const reader = new EtcdReader(await etcdTools(ctx), ctx.cluster.etcd!);
    const findings = await inspect(reader, ctx.client, base, {
      root,
      excludePrefixes: opts.excludePrefixes ?? [],
      customResources: opts.customResources ?? true,
      secretSample: opts.secretSample ?? 50,
      snapshotRevision: snapshotRevision(ctx),
      ...(await snapshotDigests(ctx)),
      hashKey: runHashKey(ctx),
    });
    return judge(findings, {
      allowExtraKeys: opts.allowExtraKeys ?? false,
      requireEncryption: opts.requireEncryption ?? true,
      excludePrefixes: opts.excludePrefixes ?? [],
      maxListed: opts.maxListed ?? 20,
    });
  },
};

function noEtcd(ctx: DrillContext): string | undefined {
  return ctx.cluster.etcd ? undefined : `cluster ${ctx.cluster.name} (provider ${ctx.cluster.provider}) gives no etcd access: nothing to inspect`;
}

function rootOf(opts: Options): string {
  return `${(opts.prefix ?? '/registry').replace(/\/+$/, '')}/`;
}

/** The revision of the etcd snapshot this run backed up, when the backup is one. */
function snapshotRevision(ctx: DrillContext): number | undefined {
  const revision = ctx.backup?.strategy === 'etcd-snapshot' ? ctx.backup.metadata.revision : undefined;
  return typeof revision === 'number' ? revision : undefined;
}

/** The values the restored etcd snapshot held, when this run restored one that recorded them. */
async function snapshotDigests(ctx: DrillContext): Promise<{ snapshotDigests?: KeyDigests }> {
  const backup = ctx.backup;
  if (backup?.strategy !== 'etcd-snapshot' || !backup.artifacts.some((a) => a.name === KEY_DIGESTS_ARTIFACT)) return {};
  const reader = await ctx.store.open(backup.id);
  try {
    return { snapshotDigests: JSON.parse((await reader.get(KEY_DIGESTS_ARTIFACT)).toString('utf8')) as KeyDigests };
  } finally {
    reader.close();
  }
}

function maskKeyId(ctx: DrillContext): string {
  return createHash('sha256').update(runHashKey(ctx)).digest('hex').slice(0, 12);
}

/** The baseline when it can be compared; undefined when it was skipped (the verify still inspects the cluster). */
function usableBaseline(value: unknown, ctx: DrillContext, root: string): EtcdBaseline | undefined {
  const base = value as EtcdBaseline | undefined;
  if (base === undefined || base === null || base.skipped) return undefined;
  if (base.format !== FORMAT) throw new KdrillError('E_INTERNAL', 'etcd-consistency got a baseline of another format', { hint: 'baseline and verify must come from the same kdrill version' });
  if (base.maskKeyId !== maskKeyId(ctx)) {
    throw new KdrillError('E_INTERNAL', 'etcd-consistency baseline was fingerprinted under another run key', { hint: 'baseline and verify must run in the same kdrill process' });
  }
  if (base.root !== root) throw new KdrillError('E_SCENARIO_INVALID', `etcd-consistency baseline used prefix ${base.root}, verify uses ${root}`, { hint: 'keep the prefix option the same' });
  return base;
}
