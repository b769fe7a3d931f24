import { Type, type Static } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import { parseCheckOptions } from './check-support.js';
import type { Check, CheckOutcome, DrillContext } from '../contracts/types.js';
import { compareCrd, lostStoredVersions, type CrdProblem } from './crd/compare-crd.js';
import { conversionOf, fingerprintCrd, type CrdFingerprint } from './crd/fingerprint.js';
import { inspectCustomResources, listCustomResources, type InvalidCr } from './crd/inspect-crs.js';
import { mergeNeeds, needApplies, needsFromControllers, type CrdNeed } from './crd/needs.js';
import { listCrds, readDeploymentNeeds } from './crd/read-cluster.js';
import type { CrdObject } from './crd/validate-cr.js';
import { capList } from './diff/render.js';

const Need = Type.Object(
  {
    group: Type.String(),
    kind: Type.Optional(Type.String()),
    versions: Type.Array(Type.String(), { minItems: 1 }),
    storageVersion: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const Options = Type.Object(
  {
    crds: Type.Optional(Type.Array(Type.String(), { description: 'CRD names (plural.group); default: every CRD' })),
    groups: Type.Optional(Type.Array(Type.String(), { description: 'Only CRDs of these API groups' })),
    controllers: Type.Optional(
      Type.Array(Type.Object({ name: Type.String(), version: Type.Optional(Type.String()), needs: Type.Array(Need) }, { additionalProperties: false })),
    ),
    validateResources: Type.Optional(Type.Boolean({ description: 'Validate every custom resource against its schema (default true)' })),
    serverValidation: Type.Optional(Type.Union([Type.Literal('never'), Type.Literal('cel'), Type.Literal('always')], { description: 'Dry-run apply too: for CEL rules (default) or always' })),
    maxServerChecks: Type.Optional(Type.Integer({ minimum: 0, description: 'Dry-run applies per CRD (default 100)' })),
    maxListed: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
type Options = Static<typeof Options>;

interface CrdBaseline {
  format: 'crd-compat/v1';
  crds: CrdFingerprint[];
  counts: Record<string, number>;
  needs: CrdNeed[];
}

/** After the restore, every CRD still serves what the baseline and controllers need, unchanged, with valid resources. */
export const crdCompat: Check = {
  id: 'crd-compat',
  description: 'CRDs serve the versions the baseline and controllers need, with unchanged names, schemas, columns, subresources and conversion (custom resources read and validated at every served version)',
  optionsSchema: Options,
  async baseline(ctx, options) {
    const opts = parseCheckOptions('crd-compat', Options, options);
    const all = await listCrds(ctx.client);
    const selected = [...all.values()].filter((crd) => inScope(crd, opts));
    const absent = (opts.crds ?? []).filter((name) => !all.has(name));
    if (absent.length) {
      throw new KdrillError('E_SCENARIO_INVALID', `crd-compat: CRD ${absent.join(', ')} does not exist at baseline`, {
        hint: 'name CRDs as plural.group (kubectl get crd), or create them in the scenario fixtures',
      });
    }
    const counts: Record<string, number> = {};
    for (const crd of selected) counts[crd.metadata.name] = (await listCustomResources(ctx.client, crd)).items.length;
    const needs = mergeNeeds(needsFromControllers(opts.controllers ?? []), (await readDeploymentNeeds(ctx.client)).needs);
    return { format: 'crd-compat/v1', crds: selected.map(fingerprintCrd), counts, needs } satisfies CrdBaseline;
  },
  async verify(ctx, options, baseline) {
    const opts = parseCheckOptions('crd-compat', Options, options);
    const base = baseline as CrdBaseline | undefined;
    if (base?.format !== 'crd-compat/v1') {
      throw new KdrillError('E_INTERNAL', 'crd-compat has no baseline to compare with', { hint: 'the check needs its baseline phase to run first' });
    }
    return verifyCrds(ctx, opts, base);
  },
};

async function verifyCrds(ctx: DrillContext, opts: Options, base: CrdBaseline): Promise<CheckOutcome> {
  const current = await listCrds(ctx.client);
  const fromDeployments = await readDeploymentNeeds(ctx.client);
  const needs = mergeNeeds(base.needs, [...needsFromControllers(opts.controllers ?? []), ...fromDeployments.needs]);
  const problems: CrdProblem[] = fromDeployments.malformed.map((m) => ({
    crd: '-', part: 'crd', detail: m, recommendation: 'write the annotation as group/version,group/version',
  }));
  const scope = new Map(base.crds.map((fp) => [fp.name, { group: fp.group, kind: fp.kind }]));
  for (const need of needs) {
    const matching = [...current.values()].filter((c) => needApplies(need, c.spec.group, c.spec.names.kind));
    for (const c of matching) scope.set(c.metadata.name, { group: c.spec.group, kind: c.spec.names.kind });
    const known = [...scope.values()].some((s) => needApplies(need, s.group, s.kind));
    if (!known) {
      problems.push({ crd: `${need.kind ?? '*'}.${need.group}`, part: 'crd', detail: `no CRD of group ${need.group} exists; ${need.source} needs ${need.versions.join(', ')}`,
        recommendation: `include the CRDs of ${need.group} in the backup, or remove ${need.source}` });
    }
  }
  const baseByName = new Map(base.crds.map((fp) => [fp.name, fp]));
  const invalid: InvalidCr[] = [];
  const resources: Record<string, { baseline?: number; current: number; serverChecked: number; convertedTo: Record<string, number | string> }> = {};
  const warnings: string[] = [];
  for (const [name, id] of scope) {
    const crd = current.get(name);
    if (crd) problems.push(...(await webhookServiceProblems(ctx, name, crd)));
    problems.push(...compareCrd(name, baseByName.get(name), crd, needs.filter((n) => needApplies(n, id.group, id.kind))));
    if (!crd) continue;
    const lost = lostStoredVersions(baseByName.get(name), crd);
    if (lost) warnings.push(`${name}: ${lost}`);
    const found = await checkResources(ctx, opts, crd, base.counts[name], problems);
    invalid.push(...found.invalid);
    warnings.push(...found.warnings.map((w) => `${name}: ${w}`));
    const convertedTo = Object.fromEntries(found.otherVersions.map((o) => [o.version, o.count ?? 'failed']));
    resources[name] = { ...(base.counts[name] !== undefined ? { baseline: base.counts[name] } : {}), current: found.count, serverChecked: found.serverChecked, convertedTo };
  }
  return outcome({ problems, invalid, resources, warnings, needs, crds: scope.size }, opts.maxListed ?? 20);
}

async function checkResources(ctx: DrillContext, opts: Options, crd: CrdObject, baselineCount: number | undefined, problems: CrdProblem[]) {
  const name = crd.metadata.name;
  const validate = opts.validateResources !== false;
  const found = await inspectCustomResources(ctx.client, crd, {
    server: validate ? (opts.serverValidation ?? 'cel') : 'never',
    maxServerChecks: opts.maxServerChecks ?? 100,
  });
  if (!validate) found.invalid = [];
  if (baselineCount !== undefined && baselineCount !== found.count) {
    problems.push({ crd: name, part: 'count', detail: `${found.count} custom resources, baseline had ${baselineCount}`,
      recommendation: 'restore custom resources after their CRD is Established, and check the restore log for rejected objects' });
  }
  for (const other of found.otherVersions) {
    if (other.error !== undefined) {
      problems.push({ crd: name, version: other.version, part: 'conversion', detail: `custom resources cannot be read or written at ${other.version} (converted from ${found.version}): ${other.error}`,
        recommendation: CONVERSION_ADVICE });
    } else if (other.count !== found.count) {
      problems.push({ crd: name, version: other.version, part: 'conversion', detail: `${other.count} custom resources listed at ${other.version}, ${found.count} at ${found.version}`,
        recommendation: CONVERSION_ADVICE });
    }
  }
  if (found.invalid.length) {
    const versions = [...new Set(found.invalid.map((i) => i.version))].join(', ');
    problems.push({ crd: name, version: versions, part: 'resources', detail: `${new Set(found.invalid.map((i) => i.object)).size} custom resources do not validate against ${versions}`,
      recommendation: 'the restored CRD schema does not match the data: restore the CRD revision the resources were written for' });
  }
  return found;
}

const CONVERSION_ADVICE = "restore the CRD's conversion webhook with it (its Service, Deployment and caBundle) and start it before clients read other versions";

/** A CRD converting through a webhook Service that does not exist: every read or write at another version fails. */
async function webhookServiceProblems(ctx: DrillContext, name: string, crd: CrdObject): Promise<CrdProblem[]> {
  const service = conversionOf(crd).service;
  if (!service) return [];
  const [namespace, serviceName] = service.split('/') as [string, string];
  if (await ctx.client.getOptional(`/api/v1/namespaces/${namespace}/services/${serviceName}`)) return [];
  const versions = crd.spec.versions.filter((v) => v.served).map((v) => v.name);
  return [{
    crd: name, part: 'conversion',
    detail: `conversion webhook Service ${service} does not exist: custom resources cannot be converted between ${versions.join(', ')}`,
    recommendation: `back up and restore the Service ${service} and the webhook behind it with the CRD (include namespace ${namespace})`,
  }];
}

interface Findings {
  problems: CrdProblem[];
  invalid: InvalidCr[];
  resources: Record<string, unknown>;
  warnings: string[];
  needs: CrdNeed[];
  crds: number;
}

/** Fails on any problem; skipped when there is nothing in scope. */
export function outcome(f: Findings, max: number): CheckOutcome {
  const evidence = {
    crds: f.crds,
    problems: capList(f.problems.map(({ recommendation: _r, ...p }) => p), max),
    invalidResources: capList(f.invalid, max),
    resources: f.resources,
    needs: f.needs.map((n) => `${n.source}: ${n.group}${n.kind ? `/${n.kind}` : ''} ${n.versions.join(',')}`),
    warnings: f.warnings,
  };
  if (f.problems.length === 0) {
    if (f.crds === 0) return { status: 'skipped', summary: 'no CRDs in scope and no controller needs declared', evidence };
    const total = Object.values(f.resources).reduce<number>((n, r) => n + ((r as { current: number }).current ?? 0), 0);
    return { status: 'passed', summary: `${f.crds} CRD(s) compatible; ${total} custom resources valid and counted as at baseline, read at every served version${f.warnings.length ? `; ${f.warnings.length} warning(s)` : ''}`, evidence };
  }
  const first = f.problems[0]!;
  const crds = new Set(f.problems.map((p) => p.crd)).size;
  return {
    status: 'failed',
    summary: `${f.problems.length} problem(s) in ${crds} CRD(s); first: ${first.crd}${first.version ? ` ${first.version}` : ''}: ${first.detail}`,
    evidence,
    recommendation: [...new Set(f.problems.map((p) => p.recommendation))].slice(0, 3).join('; '),
  };
}

function inScope(crd: CrdObject, opts: Options): boolean {
  if (opts.crds?.length && !opts.crds.includes(crd.metadata.name)) return false;
  return !opts.groups?.length || opts.groups.includes(crd.spec.group);
}
