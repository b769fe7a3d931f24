import type { CheckOutcome } from '../../contracts/types.js';
import { capped } from '../check-support.js';
import type { AccessReviewResult } from './access-review.js';
import type { Culprit } from './culprits.js';
import type { DangerousGrant, PermissionDiff, SubjectDelta } from './effective-permissions.js';
import { formatSubject, formatTuple, parseTupleKey } from './tuples.js';

/** Everything rbac-creep found, ready to become a CheckOutcome. */
export interface CreepFindings {
  diff: PermissionDiff;
  dangerousNew: DangerousGrant[];
  dangerousExisting: DangerousGrant[];
  reviews: AccessReviewResult[];
  objects: { added: string[]; removed: string[]; changed: string[] };
  /** Each added or changed RBAC object, whether the backup holds it, and what removes it. */
  culprits: Culprit[];
  notes: string[];
  /** Which bootstrap policy "bootstrap" was decided against (and any fallback). */
  policy: string[];
  subjects: number;
  permissions: number;
}

const MAX_SUBJECTS = 20;
const MAX_PERMISSIONS = 10;
const MAX_CULPRITS_ADVISED = 5;

/** Fail on any gained or lost permission, any new dangerous grant, or any lasting SubjectAccessReview disagreement. */
export function creepOutcome(f: CreepFindings): CheckOutcome {
  const gained = count(f.diff.gained);
  const lost = count(f.diff.lost);
  const disagreements = f.reviews.filter((r) => !r.agrees);
  // Decisive findings first (cause, dangerous, objects), the SubjectAccessReview samples last.
  const evidence = {
    cause: capped(f.culprits, MAX_SUBJECTS),
    dangerous: { new: capped(f.dangerousNew.map((d) => d.description), 50), existing: capped(f.dangerousExisting.map((d) => d.description), 50) },
    objects: { added: capped(f.objects.added, 50), removed: capped(f.objects.removed, 50), changed: capped(f.objects.changed, 50) },
    gained: capped(f.diff.gained.map(describeDelta), MAX_SUBJECTS),
    lost: capped(f.diff.lost.map(describeDelta), MAX_SUBJECTS),
    subjectAccessReview: { checked: f.reviews.length, agreed: f.reviews.length - disagreements.length, disagreements: disagreements.map((r) => r.sample), samples: f.reviews },
    notes: capped(f.notes, 50),
    policy: f.policy,
    subjects: f.subjects,
    permissions: f.permissions,
  };
  const review = f.reviews.length
    ? disagreements.length
      ? `; SubjectAccessReview disagreed on ${disagreements.length}/${f.reviews.length} samples`
      : `; SubjectAccessReview agreed on ${f.reviews.length}/${f.reviews.length} samples`
    : '';
  if (!gained && !lost && !f.dangerousNew.length && !disagreements.length) {
    return { status: 'passed', summary: `effective permissions of ${plural(f.subjects, 'subject')} unchanged (${plural(f.permissions, 'permission')})${review}`, evidence };
  }
  const parts = [
    gained ? `${plural(f.diff.gained.length, 'subject')} gained ${plural(gained, 'permission')}` : '',
    f.dangerousNew.length ? `${plural(f.dangerousNew.length, 'new dangerous grant')}` : '',
    lost ? `${plural(f.diff.lost.length, 'subject')} lost ${plural(lost, 'permission')}` : '',
  ].filter(Boolean);
  const via = f.culprits.length ? ` via ${f.culprits[0]!.object}${f.culprits.length > 1 ? ` (+${f.culprits.length - 1} more)` : ''}` : '';
  const changed = parts.length ? `RBAC changed: ${parts.join(', ')}${via}` : 'RBAC unchanged by the model, but the apiserver disagrees';
  return { status: 'failed', summary: `${changed}${review}`, evidence, recommendation: recommend(f, disagreements.length) };
}

/** `1 subject`, `2 subjects`, `1 new dangerous grant`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function count(deltas: SubjectDelta[]): number {
  return deltas.reduce((n, d) => n + Object.keys(d.resources).length + Object.keys(d.nonResourceURLs).length, 0);
}

/** One subject's gained or lost permissions: count, what grants them, the first few spelled out. */
export function describeDelta(d: SubjectDelta) {
  const lines = [
    ...Object.entries(d.resources).map(([k, via]) => `${formatTuple(parseTupleKey(k))} ← ${via.join(', ')}`),
    ...Object.entries(d.nonResourceURLs).map(([k, via]) => `${k.replace('|', ' verb ')} ← ${via.join(', ')}`),
  ];
  const via = [...new Set([...Object.values(d.resources), ...Object.values(d.nonResourceURLs)].flat())].sort();
  return { subject: formatSubject(d.subject), count: lines.length, via, permissions: capped(lines, MAX_PERMISSIONS) };
}

/** `ServiceAccount:system:serviceaccount:ns:sa` → `ServiceAccount ns/sa`; `User:bob` → `User bob`. */
function holder(subjectKey: string): string {
  const colon = subjectKey.indexOf(':');
  const [kind, name] = [subjectKey.slice(0, colon), subjectKey.slice(colon + 1)];
  return kind === 'ServiceAccount' ? `ServiceAccount ${name.split(':').slice(2).join('/')}` : `${kind} ${name}`;
}

/** Advice from the evidence: each culprit's cause and the commands that remove it, then losses and disagreements. */
function recommend(f: CreepFindings, disagreements: number): string {
  const advice = f.culprits.slice(0, MAX_CULPRITS_ADVISED).map((c) => {
    const what = [c.grants, c.subjects?.length ? `to ${c.subjects.join(', ')}` : '', c.rules?.length ? `rules ${c.rules.join(' ')}` : ''].filter(Boolean).join(' ');
    return `${c.object}${what ? ` (${what})` : ''} is ${c.change === 'added' ? 'new' : 'changed'}: ${c.cause}. Fix: ${c.fix.join('; ')}`;
  });
  if (f.culprits.length > MAX_CULPRITS_ADVISED) advice.push(`${f.culprits.length - MAX_CULPRITS_ADVISED} more in evidence.cause`);
  if (f.diff.gained.length && !f.culprits.length) {
    advice.push(`the restored cluster grants more than the baseline through objects that did not change (a role an aggregated ClusterRole now selects, see evidence.gained[].via and notes): fix the labels or rules named there`);
  }
  if (f.dangerousNew.length) {
    const holders = [...new Set(f.dangerousNew.map((d) => holder(d.subject)))];
    advice.push(`treat the ${plural(f.dangerousNew.length, 'new dangerous grant')} as an incident: rotate the credentials of ${holders.length > 3 ? `${holders.slice(0, 3).join(', ')} and ${holders.length - 3} more` : holders.join(', ')}`);
  }
  if (f.diff.lost.length) {
    advice.push('the restore lost permissions: restore the missing Roles, ClusterRoles and bindings (a binding whose role is missing grants nothing; aggregated ClusterRoles need their aggregationRule and labelled parts)');
  }
  if (disagreements) {
    advice.push(`SubjectAccessReview disagreed with the computed permissions on ${plural(disagreements, 'sample')} (evidence.subjectAccessReview.disagreements): the apiserver authorizes differently from the RBAC objects read (another authorizer, an aggregated ClusterRole whose live rules differ from its selectors, see notes); do not trust the permission diff until that is explained`);
  }
  return advice.join('\n');
}
