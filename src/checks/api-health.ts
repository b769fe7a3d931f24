import { Type, type Static } from '@sinclair/typebox';
import { parseCheckOptions } from './check-support.js';
import type { Check, CheckOutcome, DrillContext } from '../contracts/types.js';
import { destructiveAllowed } from '../contracts/guard.js';
import type { KubeObject } from '../kube/types.js';
import { capList } from './diff/render.js';
import { checkDiscovery } from './health/discovery-health.js';
import { probeNamespace, sweepProbes, type ProbeFailure, type ProbeMode } from './health/probe.js';
import { latencyStats, parseReadyz } from './health/readyz.js';
import { mapLimit } from '../core/map-limit.js';

const Options = Type.Object(
  {
    namespaces: Type.Optional(Type.Array(Type.String(), { description: 'Probe these namespaces (default: every baseline namespace that still exists)' })),
    maxNamespaces: Type.Optional(Type.Integer({ minimum: 0, description: 'Probe at most this many namespaces (default: all)' })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })),
  },
  { additionalProperties: false },
);
type Options = Static<typeof Options>;

interface HealthBaseline {
  format: 'api-health/v1';
  namespaces: string[];
}

/** The restored API works: /readyz passes, every group's discovery answers, and each namespace in scope takes a write. */
export const apiHealth: Check = {
  id: 'api-health',
  description: 'The apiserver is ready, every API group answers discovery, and a ConfigMap can be created, read and deleted in each namespace',
  optionsSchema: Options,
  async baseline(ctx) {
    return { format: 'api-health/v1', namespaces: (await namespaces(ctx)).map((n) => n.metadata.name) } satisfies HealthBaseline;
  },
  async verify(ctx, options, baseline) {
    const opts = parseCheckOptions('api-health', Options, options);
    const { status, body } = await ctx.client.raw('/readyz?verbose', ctx.signal);
    const readyz = parseReadyz(status, body);
    const discovery = await checkDiscovery(ctx.client);
    const scope = await namespaceScope(ctx, opts, baseline as HealthBaseline | undefined);
    // A probe object in every namespace (kube-system too) is a write: on a cluster kdrill did not create, only with the opt-in.
    const mode: ProbeMode = destructiveAllowed(ctx) ? 'write' : 'dry-run';
    const results = await mapLimit(scope.probe, opts.concurrency ?? 6, (ns) => probeNamespace(ctx.client, ns, ctx.runId, () => ctx.clock.now(), mode));
    const leftoversRemoved = mode === 'write' ? await sweepProbes(ctx.client, ctx.runId) : 0;
    const failures: ProbeFailure[] = [
      ...scope.absent.map((namespace) => ({ namespace, step: 'create' as const, error: 'namespace does not exist' })),
      ...results.flatMap((r) => (r.failure ? [r.failure] : [])),
    ];
    return outcome({ readyz, discovery, failures, scope, latency: latencyStats(results.map((r) => r.ms)), mode, leftoversRemoved });
  },
};

interface Scope {
  probe: string[];
  absent: string[];
  terminating: string[];
  leftOut: number;
}

async function namespaces(ctx: DrillContext): Promise<KubeObject[]> {
  return (await ctx.client.listAll('/api/v1/namespaces')).items;
}

async function namespaceScope(ctx: DrillContext, opts: Options, baseline: HealthBaseline | undefined): Promise<Scope> {
  const existing = new Map((await namespaces(ctx)).map((n) => [n.metadata.name, n]));
  const terminating = (name: string) => (existing.get(name)?.status as { phase?: string } | undefined)?.phase === 'Terminating';
  const wanted = opts.namespaces ?? baseline?.namespaces ?? [...existing.keys()];
  // Named namespaces must exist; baseline ones may have been deleted on purpose by the scenario.
  const absent = opts.namespaces ? wanted.filter((n) => !existing.has(n)) : [];
  const live = wanted.filter((n) => existing.has(n) && (opts.namespaces || !terminating(n)));
  const max = opts.maxNamespaces ?? live.length;
  return { probe: live.slice(0, max), absent, terminating: wanted.filter(terminating), leftOut: Math.max(0, live.length - max) };
}

interface Findings {
  readyz: ReturnType<typeof parseReadyz>;
  discovery: Awaited<ReturnType<typeof checkDiscovery>>;
  failures: ProbeFailure[];
  scope: Scope;
  latency: { p50: number; max: number };
  mode?: ProbeMode;
  /** Probe objects a failed delete left behind, removed by the final sweep. */
  leftoversRemoved?: number;
}

/** Fails on a failing readyz, any group whose discovery fails, or any namespace that does not take a probe write. */
export function outcome(f: Findings): CheckOutcome {
  const evidence = {
    readyz: { httpStatus: f.readyz.httpStatus, passedChecks: f.readyz.passed, failedChecks: f.readyz.failed },
    discovery: { groupVersions: f.discovery.groupVersions, failures: f.discovery.failures },
    namespaces: {
      probed: f.scope.probe.length, mode: f.mode ?? 'write', leftOut: f.scope.leftOut, terminating: f.scope.terminating,
      failures: capList(f.failures, 20), leftoversRemoved: f.leftoversRemoved ?? 0,
    },
    probeLatencyMs: f.latency,
  };
  const problems: string[] = [];
  if (!f.readyz.ok) problems.push(`/readyz answered ${f.readyz.httpStatus}${f.readyz.failed.length ? ` (failing: ${f.readyz.failed.join(', ')})` : ''}`);
  if (f.discovery.failures.length) problems.push(`discovery fails for ${f.discovery.failures.map((d) => d.groupVersion).join(', ')}`);
  if (f.failures.length) problems.push(`probe failed in ${f.failures.map((p) => `${p.namespace} (${p.step})`).join(', ')}`);
  if (problems.length === 0) {
    const probe = f.mode === 'dry-run' ? 'probe write as a server dry run (kdrill did not create this cluster; allowDestructive lets it write)' : 'probe write';
    const summary = `readyz ok (${f.readyz.passed} checks), ${f.discovery.groupVersions} group versions answer, ${probe} in ${f.scope.probe.length} namespace(s)`;
    return { status: 'passed', summary, evidence };
  }
  return { status: 'failed', summary: problems.join('; '), evidence, recommendation: recommend(f) };
}

function recommend(f: Findings): string {
  const parts: string[] = [];
  if (!f.readyz.ok) parts.push('the apiserver is not ready: check etcd connectivity and the apiserver log after the restore');
  if (f.discovery.failures.length) parts.push('an API group does not answer: restore or restart the backend of aggregated APIs, or remove a stale APIService');
  if (f.failures.length) parts.push('a namespace does not take writes: check that it is not Terminating and that admission webhooks restored before their backends are not blocking requests');
  return parts.join('; ');
}
