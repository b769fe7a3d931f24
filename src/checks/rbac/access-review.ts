import { sleep } from '../../core/sleep.js';
import type { KubeClient } from '../../kube/client.js';
import type { EffectivePermissions, PermissionDiff } from './effective-permissions.js';
import type { NonResourceGrant } from './rules.js';
import { CLUSTER_SCOPE, formatSubject, formatTuple, parseNonResourceKey, parseTupleKey, type PermissionTuple, type SubjectRef } from './tuples.js';

/** One permission to confirm on the live apiserver, and what the computed model says it should answer. */
export interface AccessSample {
  kind: 'gained' | 'lost' | 'unchanged';
  subject: SubjectRef;
  tuple?: PermissionTuple;
  url?: NonResourceGrant;
  expected: boolean;
}

export interface AccessReviewResult {
  /** `gained: ServiceAccount system:serviceaccount:shop:evil may get core/secrets cluster-wide`. */
  sample: string;
  expected: boolean;
  allowed: boolean;
  agrees: boolean;
}

/** Up to `max` samples, alternating gained, lost and unchanged; concrete permissions before '*' markers. */
export function pickSamples(diff: PermissionDiff, restored: EffectivePermissions, max: number): AccessSample[] {
  const fromDeltas = (deltas: PermissionDiff['gained'], kind: AccessSample['kind']) =>
    interleave(deltas.map((d) => toSamples(d.subject, Object.keys(d.resources), Object.keys(d.nonResourceURLs), kind, kind !== 'lost')));
  const gainedKeys = new Set(diff.gained.flatMap((d) => Object.keys(d.resources).map((k) => `${d.subject.kind}:${d.subject.name}|${k}`)));
  const unchanged = interleave(
    Object.values(restored.subjects).map((held) => {
      const keys = Object.keys(held.resources).filter((k) => !gainedKeys.has(`${held.subject.kind}:${held.subject.name}|${k}`));
      return toSamples(held.subject, keys, [], 'unchanged', true);
    }),
  );
  return interleave([fromDeltas(diff.gained, 'gained'), fromDeltas(diff.lost, 'lost'), unchanged]).slice(0, max);
}

function toSamples(subject: SubjectRef, tuples: string[], urls: string[], kind: AccessSample['kind'], expected: boolean): AccessSample[] {
  const marker = (t: PermissionTuple) => Number(t.apiGroup === '*' || t.resource === '*' || t.verb === '*');
  const concreteFirst = tuples.map(parseTupleKey).sort((a, b) => marker(a) - marker(b));
  return [
    ...concreteFirst.map((tuple) => ({ kind, subject, tuple, expected })),
    ...urls.map((k) => ({ kind, subject, url: parseNonResourceKey(k), expected })),
  ];
}

function interleave<T>(lists: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const l of lists) if (i < l.length) out.push(l[i] as T);
  return out;
}

/** Re-asking a disagreement: the aggregation controller may still be writing rules the model already counts. */
const RECHECKS = 3;
const RECHECK_DELAY_MS = 500;

/**
 * Ask the apiserver (SubjectAccessReview) about each sample, as the subject alone (no extra groups). A disagreement
 * is asked again a few times, half a second apart, before it stands: only a lasting one means the model is wrong.
 */
export async function reviewAccess(client: KubeClient, samples: readonly AccessSample[], signal?: AbortSignal): Promise<AccessReviewResult[]> {
  const results = await askAll(client, samples);
  for (let round = 0; round < RECHECKS && results.some((r) => !r.agrees); round++) {
    await sleep(RECHECK_DELAY_MS, signal, 'SubjectAccessReview recheck');
    const again = results.map((r, i) => (r.agrees ? undefined : i)).filter((i): i is number => i !== undefined);
    const answers = await askAll(client, again.map((i) => samples[i]!));
    again.forEach((i, j) => (results[i] = answers[j]!));
  }
  return results;
}

async function askAll(client: KubeClient, samples: readonly AccessSample[]): Promise<AccessReviewResult[]> {
  return Promise.all(
    samples.map(async (s) => {
      const review = await client.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { ...identity(s.subject), ...attributes(s) } },
      });
      const allowed = review.status?.allowed === true;
      const what = s.tuple ? formatTuple(s.tuple) : `${s.url?.verb} ${s.url?.url}`;
      return { sample: `${s.kind}: ${formatSubject(s.subject)} may ${what}`, expected: s.expected, allowed, agrees: allowed === s.expected };
    }),
  );
}

function identity(subject: SubjectRef): { user?: string; groups?: string[] } {
  return subject.kind === 'Group' ? { groups: [subject.name] } : { user: subject.name };
}

function attributes(s: AccessSample): Record<string, unknown> {
  if (s.url) return { nonResourceAttributes: { path: s.url.url, verb: s.url.verb } };
  const t = s.tuple as PermissionTuple;
  return {
    resourceAttributes: {
      namespace: t.namespace === CLUSTER_SCOPE ? '' : t.namespace,
      verb: t.verb,
      group: t.apiGroup,
      resource: t.resource,
      subresource: t.subresource,
      name: t.resourceName,
    },
  };
}
