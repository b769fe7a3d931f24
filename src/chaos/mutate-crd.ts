import { Type } from '@sinclair/typebox';
import type { ChaosStep, DrillContext } from '../contracts/types.js';
import { isConflict } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import { changeSchema, checkDropVersion, moveStorage, newPrinterColumns, selectVersions, type CrdVersion, type SchemaNode } from './crd-mutations.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import { invalidOption, parseStepOptions } from './options.js';
import { waitUntil } from './wait.js';

const ID = 'mutate-crd';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const SchemaType = Type.Union(['string', 'integer', 'number', 'boolean', 'object', 'array'].map((t) => Type.Literal(t)));

const Options = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'CRD name, e.g. widgets.example.com' }),
    mode: Type.Union([Type.Literal('drop-version'), Type.Literal('change-schema'), Type.Literal('change-printer-columns')]),
    version: Type.Optional(Type.String({ minLength: 1, description: 'drop-version: the version to drop; other modes: the version to change (default every version)' })),
    newStorageVersion: Type.Optional(Type.String({ minLength: 1, description: 'drop-version of the storage version: the version that stores objects instead' })),
    property: Type.Optional(Type.String({ minLength: 1, description: 'change-schema: dotted path below the root, e.g. spec.size' })),
    change: Type.Optional(Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('retype')], { description: 'change-schema: what to do to the property' })),
    type: Type.Optional(SchemaType),
    columns: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            type: Type.String({ minLength: 1 }),
            jsonPath: Type.String({ minLength: 1 }),
            description: Type.Optional(Type.String()),
            priority: Type.Optional(Type.Integer({ minimum: 0 })),
          },
          { additionalProperties: false },
        ),
        { description: 'change-printer-columns: the new columns (default: none)' },
      ),
    ),
  },
  { additionalProperties: false },
);

type Options = typeof Options.static;

/** Drifts a CRD: drops a served version, changes a property of its schema, or changes its printer columns. */
export const mutateCrd: ChaosStep = {
  id: ID,
  description: 'Drift a CRD: drop a served version, add/remove/retype a schema property, or change its printer columns',
  optionsSchema: Options,
  destructive: true,
  async run(ctx, raw) {
    assertDestructiveAllowed(ctx, ID);
    const o = parseStepOptions(ID, Options, raw);
    checkModeOptions(o);
    const detail = o.mode === 'drop-version' ? await dropVersion(ctx, o) : await editVersions(ctx, o);
    const records = (ctx.facts.get(`chaos.${ID}`) as unknown[] | undefined) ?? [];
    ctx.facts.set(`chaos.${ID}`, [...records, { crd: o.name, mode: o.mode, detail }]);
    return `${o.name}: ${detail}`;
  },
};

/** Throws when an option belongs to another mode or a mode lacks what it needs. */
export function checkModeOptions(o: Options): void {
  const uses: Record<Options['mode'], (keyof Options)[]> = {
    'drop-version': ['version', 'newStorageVersion'],
    'change-schema': ['version', 'property', 'change', 'type'],
    'change-printer-columns': ['version', 'columns'],
  };
  const foreign = (['newStorageVersion', 'property', 'change', 'type', 'columns'] as const).filter((f) => o[f] !== undefined && !uses[o.mode].includes(f));
  const problems = foreign.map((f) => `mode ${o.mode} does not use ${f}`);
  if (o.mode === 'drop-version' && !o.version) problems.push('mode drop-version needs version');
  if (o.mode === 'change-schema' && (!o.property || !o.change)) problems.push('mode change-schema needs property and change');
  if (o.change === 'remove' && o.type) problems.push('change remove does not use type');
  if (problems.length) throw invalidOption(ID, problems.join('; '));
}

async function dropVersion(ctx: DrillContext, o: Options): Promise<string> {
  const drop = o.version!;
  const crd = await getCrd(ctx, o.name);
  checkDropVersion(versionsOf(crd), drop, o.newStorageVersion);
  if (o.newStorageVersion && versionsOf(crd).find((v) => v.name === drop)?.storage) {
    // The server appends the new storage version to status.storedVersions on this update.
    await updateCrd(ctx, o.name, (c) => void ((c.spec as { versions: CrdVersion[] }).versions = moveStorage(versionsOf(c), o.newStorageVersion!)));
  }
  // The apiserver refuses to remove a version that status.storedVersions still lists (objects may be stored at it),
  // so an attacker (or a careless upgrade) first rewrites storedVersions through /status. Objects still stored at
  // the dropped version stay in etcd and can no longer be read: exactly the drift a restore must survive.
  const stored = ((await getCrd(ctx, o.name)).status as { storedVersions?: string[] } | undefined)?.storedVersions ?? [];
  const keep = stored.filter((v) => v !== drop);
  if (keep.length !== stored.length) {
    await ctx.client.request('PATCH', `${CRDS}/${encodeURIComponent(o.name)}/status`, {
      body: { status: { storedVersions: keep } },
      contentType: 'application/merge-patch+json',
    });
  }
  await updateCrd(ctx, o.name, (c) => void ((c.spec as { versions: CrdVersion[] }).versions = versionsOf(c).filter((v) => v.name !== drop)));
  const group = (crd.spec as { group: string }).group;
  const plural = (crd.spec as { names: { plural: string } }).names.plural;
  await waitUntil(async () => !(await served(ctx, group, drop, plural)), {
    timeoutMs: 30_000,
    signal: ctx.signal,
    what: `${group}/${drop} ${plural} to stop being served`,
  });
  return `dropped version ${drop}${o.newStorageVersion ? ` (storage moved to ${o.newStorageVersion})` : ''}; storedVersions now ${keep.join(', ')}; /apis/${group}/${drop} no longer serves ${plural}`;
}

async function editVersions(ctx: DrillContext, o: Options): Promise<string> {
  const details: string[] = [];
  await updateCrd(ctx, o.name, (crd) => {
    details.length = 0;
    for (const v of selectVersions(versionsOf(crd), o.version)) {
      if (o.mode === 'change-printer-columns') {
        v.additionalPrinterColumns = newPrinterColumns(v, o.columns);
        details.push(`${v.name} printer columns now ${v.additionalPrinterColumns.map((c) => c.name).join(', ') || 'none'}`);
        continue;
      }
      const root: SchemaNode | undefined = v.schema?.openAPIV3Schema;
      if (!root) throw invalidOption(ID, `version ${v.name} has no openAPIV3Schema`);
      details.push(`${v.name}: ${changeSchema(root, o.property!, o.change!, o.type)}`);
    }
  });
  return details.join('; ');
}

async function served(ctx: DrillContext, group: string, version: string, plural: string): Promise<boolean> {
  const list = await ctx.client.getOptional<{ resources?: { name: string }[] }>(`/apis/${group}/${version}`);
  return list?.resources?.some((r) => r.name === plural) ?? false;
}

async function getCrd(ctx: DrillContext, name: string): Promise<KubeObject> {
  const crd = await ctx.client.getOptional(`${CRDS}/${encodeURIComponent(name)}`);
  if (!crd) throw invalidOption(ID, `CRD ${name} does not exist`, 'name a CRD the fixtures install (kubectl get crd lists them)');
  return crd;
}

/** GET, change, PUT with the read resourceVersion; retried when another writer (the CRD controllers) got in between. */
async function updateCrd(ctx: DrillContext, name: string, change: (crd: KubeObject) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const crd = await getCrd(ctx, name);
    change(crd);
    try {
      await ctx.client.replace(`${CRDS}/${encodeURIComponent(name)}`, crd);
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= 3) throw error;
    }
  }
}

function versionsOf(crd: KubeObject): CrdVersion[] {
  return (crd.spec as { versions: CrdVersion[] }).versions;
}
