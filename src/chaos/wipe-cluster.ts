import { Type } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import type { ChaosStep } from '../contracts/types.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { parseStepOptions } from './options.js';

const ID = 'wipe-cluster';
/** ctx.facts key set to true once the cluster under test is gone: restore must then target a fresh cluster. */
export const CLUSTER_WIPED_FACT = 'cluster.wiped';

const Options = Type.Object({}, { additionalProperties: false });

/** Destroys the cluster under test (processes and files) and proves its API no longer answers. */
export const wipeCluster: ChaosStep = {
  id: ID,
  description: 'Destroy the whole cluster under test (every process and file); the restore then targets a fresh cluster',
  optionsSchema: Options,
  destructive: true,
  async run(ctx, raw) {
    assertDestructiveAllowed(ctx, ID);
    parseStepOptions(ID, Options, raw);
    const cluster = ctx.cluster;
    await cluster.destroy();
    ctx.facts.set(CLUSTER_WIPED_FACT, true);
    await ctx.audit.record({ action: 'cluster.destroy', subject: cluster.name, details: { by: ID, provider: cluster.provider } });
    const answer = await ctx.client.raw('/readyz', AbortSignal.timeout(5_000)).catch(() => undefined);
    if (answer && answer.status < 500) {
      throw new KdrillError('E_INTERNAL', `cluster ${cluster.name} still answers /readyz (HTTP ${answer.status}) after destroy()`, {
        hint: `provider ${cluster.provider} did not stop the cluster: wipe-cluster needs a provider whose destroy() removes it`,
      });
    }
    return `destroyed cluster ${cluster.name} (provider ${cluster.provider}): its API no longer answers; the restore needs a fresh cluster`;
  },
};
