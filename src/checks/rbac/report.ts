import type { CheckOutcome } from '../../contracts/types.js';
import { capped } from '../check-support.js';
import type { AccessReviewResult } from './access-review.js';
import type { DangerousGrant, PermissionDiff, SubjectDelta } from './effective-permissions.js';
import { formatSubject, formatTuple, parseTupleKey } from './tuples.js';

/** Everything rbac-creep found, ready to become a CheckOutcome. */
export interface CreepFindings {
  diff: PermissionDiff;
  dangerousNew: DangerousGrant[];
  dangerousExisting: DangerousGrant[];
  reviews: AccessReviewResult[];
  objects: { added: string[]; removed: string[]; changed: string[] };
  notes: string[];
  subjects: number;
  permissions: number;
}

const MAX_SUBJECTS = 20;
const MAX_PERMISSIONS = 10;

/** Fail on any gained or lost permission or any new dangerous grant; existing dangerous grants are warnings. */
export function creepOutcome(f: CreepFindings): CheckOutcome {
  const gained = count(f.diff.gained);
  const lost = count(f.diff.lost);
  const disagreements = f.reviews.filter((r) => !r.agrees);
  const evidence = {
    subjects: f.subjects,
    permissions: f.permissions,
    gained: capped(f.diff.gained.map(describeDelta), MAX_SUBJECTS),
    lost: capped(f.diff.lost.map(describeDelta), MAX_SUBJECTS),
    dangerous: { new: capped(f.dangerousNew.map((d) => d.description), 50), existing: capped(f.dangerousExisting.map((d) => d.description), 50) },
    accessReview: { checked: f.reviews.length, agreed: f.reviews.length - disagreements.length, disagreements: disagreements.map((r) => r.sample), samples: f.reviews },
    objects: { added: capped(f.objects.added, 50), removed: capped(f.objects.removed, 50), changed: capped(f.objects.changed, 50) },
    notes: capped(f.notes, 50),
  };
  const review = f.reviews.length ? `; SubjectAccessReview agreed on ${f.reviews.length - disagreements.length}/${f.reviews.length} samples` : '';
  if (!gained && !lost && !f.dangerousNew.length) {
    return { status: 'passed', summary: `effective permissions of ${f.subjects} subjects unchanged (${f.permissions} permissions)${review}`, evidence };
  }
  const parts = [
    gained ? `${f.diff.gained.length} subjects gained ${gained} permissions` : '',
    f.dangerousNew.length ? `${f.dangerousNew.length} new dangerous grants` : '',
    lost ? `${f.diff.lost.length} subjects lost ${lost} permissions` : '',
  ].filter(Boolean);
  return { status: 'failed', summary: `RBAC changed: ${parts.join(', ')}${review}`, evidence, recommendation: recommend(f) };
}

function count(deltas: SubjectDelta[]): number {
  return deltas.reduce((n, d) => n + Object.keys(d.resources).length + Object.keys(d.nonResourceURLs).length, 0);
}

function describeDelta(d: SubjectDelta) {
  const lines = [
    ...Object.entries(d.resources).map(([k, via]) => `${formatTuple(parseTupleKey(k))} ← ${via.join(', ')}`),
    ...Object.entries(d.nonResourceURLs).map(([k, via]) => `${k.replace('|', ' verb ')} ← ${via.join(', ')}`),
  ];
  const via = [...new Set([...Object.values(d.resources), ...Object.values(d.nonResourceURLs)].flat())].sort();
  return { subject: formatSubject(d.subject), count: lines.length, via, permissions: capped(lines, MAX_PERMISSIONS) };
}

function recommend(f: CreepFindings): string {
  const advice: string[] = [];
  if (f.diff.gained.length) {
    advice.push('the restored cluster grants more than the baseline: delete or fix the bindings and roles named in evidence.gained[].via (a tampered backup, or a backup taken after an unreviewed change)');
  }
  if (f.dangerousNew.length) advice.push('treat the new dangerous grants as an incident: rotate the credentials of the subjects that held them');
  if (f.diff.lost.length) {
    advice.push('the restore lost permissions: restore the missing Roles, ClusterRoles and bindings (a binding whose role is missing grants nothing; aggregated ClusterRoles need their aggregationRule and labelled parts)');
  }
  return advice.join('; ');
}
