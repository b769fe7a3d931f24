import type { EffectivePermissions } from './effective-permissions.js';
import { allows, allowsNonResource, parseNonResourceKey, parseTupleKey, type SubjectPermissions, type SubjectRef } from './tuples.js';

/** What one subject gained or lost: permission keys, each with what grants it (on the side that has it). */
export interface SubjectDelta {
  subject: SubjectRef;
  resources: Record<string, string[]>;
  nonResourceURLs: Record<string, string[]>;
}

export interface PermissionDiff {
  gained: SubjectDelta[];
  lost: SubjectDelta[];
}

/**
 * Permissions someone granted in the restored cluster that the baseline did not allow at all (gained), and the reverse
 * (lost), by RBAC matching. A permission the other side still holds through the apiserver's own policy is neither.
 */
export function diffPermissions(baseline: EffectivePermissions, restored: EffectivePermissions): PermissionDiff {
  return { gained: missingFrom(restored, baseline), lost: missingFrom(baseline, restored) };
}

/** Every granted permission of `from` that `other` does not hold, by subject, sorted. */
function missingFrom(from: EffectivePermissions, other: EffectivePermissions): SubjectDelta[] {
  const out: SubjectDelta[] = [];
  for (const key of Object.keys(from.subjects).sort()) {
    const held = from.subjects[key] as SubjectPermissions;
    const theirs = other.held[key];
    const delta: SubjectDelta = { subject: held.subject, resources: {}, nonResourceURLs: {} };
    for (const [tuple, grants] of Object.entries(held.resources)) if (!allows(theirs, parseTupleKey(tuple))) delta.resources[tuple] = grants;
    for (const [url, grants] of Object.entries(held.nonResourceURLs)) if (!allowsNonResource(theirs, parseNonResourceKey(url))) delta.nonResourceURLs[url] = grants;
    if (Object.keys(delta.resources).length || Object.keys(delta.nonResourceURLs).length) out.push(delta);
  }
  return out;
}
