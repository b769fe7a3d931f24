import { Type } from '@sinclair/typebox';
import type { Check, CheckOutcome } from '../contracts/types.js';
import { destructiveAllowed } from '../contracts/guard.js';
import { GENERATED_CRD } from '../fixtures/generate.js';
import { parseCheckOptions } from './check-support.js';
import { runWitness, type WitnessReport } from './witness/controller.js';

const Options = Type.Object(
  {
    crd: Type.Optional(Type.String({ description: `CRD the witness controller reconciles (default ${GENERATED_CRD})` })),
    version: Type.Optional(Type.String({ description: 'API version the controller speaks (default: the CRD storage version at baseline)' })),
    timeout: Type.Optional(Type.Integer({ minimum: 1000, description: 'Milliseconds to wait for every object (default 30000)' })),
  },
  { additionalProperties: false },
);

interface CrdJson {
  spec: { group: string; names: { plural: string }; versions: { name: string; storage: boolean }[] };
}

interface Baseline {
  group: string;
  version: string;
  resource: string;
  count: number;
}

/** After the restore, kdrill's witness controller must reconcile every restored custom resource of a CRD. */
export const controllerReconcile: Check = {
  id: 'controller-reconcile',
  description: 'A witness controller started after the restore reconciles every restored custom resource and proves a /status write on each (a witness condition, removed afterwards)',
  optionsSchema: Options,
  async baseline(ctx, options): Promise<Baseline | undefined> {
    const opts = parseCheckOptions('controller-reconcile', Options, options);
    const crd = await ctx.client.getOptional<CrdJson>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${opts.crd ?? GENERATED_CRD}`);
    if (!crd) return undefined;
    const version = opts.version ?? crd.spec.versions.find((v) => v.storage)!.name;
    const list = await ctx.client.listAll(`/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}`);
    return { group: crd.spec.group, version, resource: crd.spec.names.plural, count: list.items.length };
  },
  async verify(ctx, options, baseline) {
    const opts = parseCheckOptions('controller-reconcile', Options, options);
    const b = baseline as Baseline | undefined;
    if (!b) return { status: 'skipped', summary: `CRD ${opts.crd ?? GENERATED_CRD} did not exist at baseline: nothing for the witness controller to reconcile` };
    // On a cluster kdrill did not create, status writes need the opt-in; without it they are server dry runs.
    const mode = destructiveAllowed(ctx) ? 'write' : 'dry-run';
    const report = await runWitness(ctx.client, b, { timeoutMs: opts.timeout ?? 30_000, signal: ctx.signal, mode, restoreStatus: !ctx.cluster.createdByKdrill }).catch(
      (error: Error): WitnessReport => ({
        total: 0, reconciled: 0, proven: 0, roundTrips: 0, passes: 0, cleanedUp: 0, cleanupSkipped: [],
        failures: [`cannot list ${b.group}/${b.version} ${b.resource}: ${error.message.split('\n')[0]}`],
      }),
    );
    return outcome(b, report, mode);
  },
};

function outcome(b: Baseline, report: WitnessReport, mode: 'write' | 'dry-run'): CheckOutcome {
  const evidence = {
    api: `${b.group}/${b.version}`, resource: b.resource, mode, baselineObjects: b.count, restoredObjects: report.total,
    reconciled: report.reconciled, statusWritesProven: report.proven, provenByGenerationRoundTrip: report.roundTrips, passes: report.passes,
    failures: report.failures.slice(0, 20),
    ...(mode === 'write' ? { witnessConditionRemoved: report.cleanedUp, cleanupSkipped: report.cleanupSkipped.slice(0, 20) } : {}),
  };
  const how = mode === 'write' ? 'written and read back' : 'accepted as server dry runs (kdrill did not create this cluster; allowDestructive lets it write)';
  const ok = report.total >= b.count && report.reconciled === report.total && report.proven === report.total && report.failures.length === 0;
  if (ok) {
    return { status: 'passed', summary: `witness controller reconciled ${report.reconciled}/${report.total} ${b.resource} via ${b.group}/${b.version}; ${report.proven} /status writes ${how}`, evidence };
  }
  return {
    status: 'failed',
    summary: `witness controller reconciled ${report.reconciled}/${report.total} ${b.resource} (baseline had ${b.count}), ${report.proven} /status writes proven${report.failures[0] ? `: ${report.failures[0]}` : ''}`,
    evidence,
    recommendation: 'the restored API is not usable by its controller: check that the CRD version the controller needs is served, that the status subresource (and a status.conditions field) was restored, and that every custom resource came back',
  };
}
