import { describe, expect, it } from 'vitest';
import { pickSamples } from './access-review.js';
import type { EffectivePermissions, PermissionDiff } from './effective-permissions.js';
import { creepOutcome, type CreepFindings } from './report.js';
import type { SubjectPermissions } from './tuples.js';

const sa = (name: string): SubjectPermissions['subject'] => ({ kind: 'ServiceAccount', name: `system:serviceaccount:shop:${name}` });
const keys = (...k: string[]) => Object.fromEntries(k.map((key) => [key, ['ClusterRoleBinding x → ClusterRole y']]));

describe('pickSamples', () => {
  it('alternates gained, lost and unchanged, concrete permissions before "*" markers', () => {
    const diff: PermissionDiff = {
      gained: [{ subject: sa('evil'), resources: keys('*cluster*||*|||get', '*cluster*||secrets|||get'), nonResourceURLs: {} }],
      lost: [{ subject: sa('web'), resources: keys('shop||pods|||list'), nonResourceURLs: {} }],
    };
    const restored: EffectivePermissions = {
      notes: [],
      subjects: {
        a: { subject: sa('evil'), resources: keys('*cluster*||*|||get', '*cluster*||secrets|||get'), nonResourceURLs: {} },
        b: { subject: sa('web'), resources: keys('shop||pods|||get'), nonResourceURLs: {} },
      },
    };
    const picked = pickSamples(diff, restored, 10).map((s) => `${s.kind} ${s.subject.name.split(':').pop()} ${s.tuple?.resource} ${s.expected}`);
    expect(picked).toEqual(['gained evil secrets true', 'lost web pods false', 'unchanged web pods true', 'gained evil * true']);
    expect(pickSamples(diff, restored, 2)).toHaveLength(2);
  });
});

describe('creepOutcome', () => {
  const none: CreepFindings = {
    diff: { gained: [], lost: [] },
    dangerousNew: [],
    dangerousExisting: [],
    reviews: [{ sample: 's', expected: true, allowed: false, agrees: false }],
    objects: { added: [], removed: [], changed: [] },
    notes: [],
    subjects: 3,
    permissions: 40,
  };

  it('passes with no change and reports SubjectAccessReview disagreements in the summary', () => {
    const outcome = creepOutcome(none);
    expect(outcome.status).toBe('passed');
    expect(outcome.summary).toBe('effective permissions of 3 subjects unchanged (40 permissions); SubjectAccessReview agreed on 0/1 samples');
  });

  it('fails on a gain with per-subject evidence capped at 10 permissions', () => {
    const many = keys(...Array.from({ length: 12 }, (_, i) => `shop||pods|||verb${i}`));
    const outcome = creepOutcome({ ...none, reviews: [], diff: { gained: [{ subject: sa('evil'), resources: many, nonResourceURLs: keys('/metrics|get') }], lost: [] } });
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toBe('RBAC changed: 1 subjects gained 13 permissions');
    const gained = (outcome.evidence as { gained: { items: { count: number; via: string[]; permissions: { items: string[]; more: number } }[] } }).gained.items[0];
    expect(gained?.count).toBe(13);
    expect(gained?.via).toEqual(['ClusterRoleBinding x → ClusterRole y']);
    expect(gained?.permissions.items[0]).toBe('verb0 core/pods in shop ← ClusterRoleBinding x → ClusterRole y');
    expect(gained?.permissions.more).toBe(3);
  });
});
