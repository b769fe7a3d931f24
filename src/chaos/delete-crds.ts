import { Type } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import type { ChaosStep, DrillContext } from '../contracts/types.js';
import { isNotFound } from '../kube/errors.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/types.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { DurationOption, durationMs, NameList, parseStepOptions, requireExactlyOne } from './options.js';
import { waitUntil } from './wait.js';

const ID = 'delete-crds';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

const Options = Type.Object(
  {
    names: Type.Optional(NameList('CRD names, e.g. widgets.example.com')),
    group: Type.Optional(Type.String({ minLength: 1, description: 'Delete every CRD of this API group' })),
    waitForDeletion: Type.Optional(Type.Boolean({ default: true, description: 'Wait until the CRDs and their custom resources are gone' })),
    timeout: Type.Optional(DurationOption('How long to wait for the deletion', '3m')),
  },
  { additionalProperties: false },
);

/** The fields of a CRD this step reads. */
export interface CrdInfo {
  name: string;
  group: string;
  plural: string;
  /** A served version to list its custom resources at. */
  version: string;
}

/** Deletes CRDs by name or group; the apiserver then deletes their custom resources, which the step waits for and checks. */
export const deleteCrds: ChaosStep = {
  id: ID,
  description: 'Delete CustomResourceDefinitions (by name or group) and verify the apiserver removed their custom resources',
  optionsSchema: Options,
  destructive: true,
  async run(ctx, raw) {
    assertDestructiveAllowed(ctx, ID);
    const o = parseStepOptions(ID, Options, raw);
    requireExactlyOne(ID, o, ['names', 'group']);
    const crds = await selectCrds(ctx.client, o.names, o.group);
    const counts = new Map<string, number>();
    for (const crd of crds) counts.set(crd.name, (await listCustomResources(ctx.client, crd))?.length ?? 0);
    const started = ctx.clock.now();
    for (const crd of crds) await ctx.client.delete(`${CRDS}/${crd.name}`);
    ctx.facts.set(`chaos.${ID}`, { crds: crds.map((c) => c.name), customResources: Object.fromEntries(counts) });
    const crs = [...counts.values()].reduce((a, b) => a + b, 0);
    const what = `${crds.length} CRD${crds.length === 1 ? '' : 's'} (${crds.map((c) => c.name).join(', ')}) with ${crs} custom resources`;
    if (o.waitForDeletion === false) return `requested deletion of ${what}`;
    await waitGone(ctx, crds, durationMs(o.timeout ?? '3m'));
    return `deleted ${what}; CRDs and custom resources gone after ${((ctx.clock.now() - started) / 1000).toFixed(1)}s`;
  },
};

/** The CRDs to delete: every named one must exist; a group must match at least one. */
export async function selectCrds(client: KubeClient, names: string[] | undefined, group: string | undefined): Promise<CrdInfo[]> {
  if (names) {
    const found: CrdInfo[] = [];
    for (const name of new Set(names)) {
      const crd = await client.getOptional(`${CRDS}/${encodeURIComponent(name)}`);
      if (!crd) throw nothingToDelete(`CRD ${name} does not exist`);
      found.push(crdInfo(crd));
    }
    return found;
  }
  const all = (await client.listAll(CRDS)).items.map(crdInfo).filter((c) => c.group === group);
  if (!all.length) throw nothingToDelete(`no CRD has group ${group}`);
  return all;
}

/** Name, group, plural and a served version (the storage version when served) of a CRD object. */
export function crdInfo(crd: KubeObject): CrdInfo {
  const spec = crd.spec as { group: string; names: { plural: string }; versions: { name: string; served: boolean; storage: boolean }[] };
  const served = spec.versions.filter((v) => v.served);
  const version = (served.find((v) => v.storage) ?? served[0] ?? spec.versions[0])!.name;
  return { name: crd.metadata.name, group: spec.group, plural: spec.names.plural, version };
}

/** The custom resources of a CRD in every namespace, or undefined once the type is no longer served. */
export async function listCustomResources(client: KubeClient, crd: CrdInfo): Promise<KubeObject[] | undefined> {
  try {
    return (await client.listAll(`/apis/${crd.group}/${crd.version}/${crd.plural}`)).items;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function waitGone(ctx: DrillContext, crds: CrdInfo[], timeoutMs: number): Promise<void> {
  // The CRD's cleanup finalizer deletes every custom resource before the CRD goes; we still check the endpoint
  // rather than trust that: a type that is still listable with objects in it means the cascade did not happen.
  const left = async () => {
    const out: string[] = [];
    for (const crd of crds) {
      const object = await ctx.client.getOptional(`${CRDS}/${crd.name}`);
      const crs = (await listCustomResources(ctx.client, crd))?.length ?? 0;
      if (object || crs > 0) out.push(`${crd.name}: ${object ? terminatingReason(object) : 'deleted'}, ${crs} custom resources left`);
    }
    return out;
  };
  await waitUntil(async () => (await left()).length === 0, {
    timeoutMs,
    signal: ctx.signal,
    intervalMs: 500,
    what: `CRDs ${crds.map((c) => c.name).join(', ')} and their custom resources to be deleted`,
    explain: async () => (await left()).join('; '),
    hint: 'a custom resource probably holds a finalizer whose controller is gone: remove it, or raise the timeout',
  });
}

function terminatingReason(crd: KubeObject): string {
  const conditions = (crd.status as { conditions?: { type: string; status: string; message?: string }[] } | undefined)?.conditions ?? [];
  const relevant = conditions.find((c) => c.type === 'Terminating' && c.status === 'True');
  return relevant ? `terminating (${relevant.message ?? 'no message'})` : 'still present';
}

function nothingToDelete(problem: string): KdrillError {
  return new KdrillError('E_SCENARIO_INVALID', `chaos step ${ID}: ${problem}`, {
    hint: 'a chaos step must break something: name CRDs the fixtures install (kubectl get crd lists them)',
  });
}
