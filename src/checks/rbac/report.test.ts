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
      held: {},
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
    culprits: [],
    notes: [],
    policy: [],
    subjects: 3,
    permissions: 40,
  };

  it('fails on a SubjectAccessReview disagreement even when the model sees no change', () => {
    const outcome = creepOutcome(none);
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toBe('RBAC unchanged by the model, but the apiserver disagrees; SubjectAccessReview disagreed on 1/1 samples');
    expect(outcome.recommendation).toMatch(/^SubjectAccessReview disagreed with the computed permissions on 1 sample /);
    const agreed = creepOutcome({ ...none, subjects: 1, permissions: 1, reviews: [{ sample: 's', expected: true, allowed: true, agrees: true }] });
    expect(agreed.status).toBe('passed');
    expect(agreed.summary).toBe('effective permissions of 1 subject unchanged (1 permission); SubjectAccessReview agreed on 1/1 samples');
  });

  it('leads with the cause: the added binding, whether the backup has it, and the commands that remove it', () => {
    const culprit = {
      object: 'ClusterRoleBinding kdrill-escalate-ebd7f8', change: 'added' as const, grants: 'ClusterRole cluster-admin',
      subjects: ['ServiceAccount holdout-system/vault-operator'], backup: 'absent' as const,
      cause: 'not in backup b1: made after the backup (by a chaos step, an attacker or a change nobody reviewed), and kept because the restore does not prune',
      fix: ['kubectl delete clusterrolebinding kdrill-escalate-ebd7f8', 'rotate tokens of holdout-system/vault-operator'],
    };
    const gained = [{ subject: sa('vault-operator'), resources: keys('*cluster*||secrets|||get'), nonResourceURLs: {} }];
    const outcome = creepOutcome({ ...none, reviews: [], culprits: [culprit], diff: { gained, lost: [] } });
    expect(outcome.summary).toBe('RBAC changed: 1 subject gained 1 permission via ClusterRoleBinding kdrill-escalate-ebd7f8');
    expect(outcome.recommendation).toBe(
      'ClusterRoleBinding kdrill-escalate-ebd7f8 (ClusterRole cluster-admin to ServiceAccount holdout-system/vault-operator) is new: not in backup b1: made after the backup (by a chaos step, an attacker or a change nobody reviewed), and kept because the restore does not prune. Fix: kubectl delete clusterrolebinding kdrill-escalate-ebd7f8; rotate tokens of holdout-system/vault-operator',
    );
    expect(Object.keys(outcome.evidence!).slice(0, 3)).toEqual(['cause', 'dangerous', 'objects']);
  });

  it('fails on a gain with per-subject evidence capped at 10 permissions', () => {
    const many = keys(...Array.from({ length: 12 }, (_, i) => `shop||pods|||verb${i}`));
    const outcome = creepOutcome({ ...none, reviews: [], diff: { gained: [{ subject: sa('evil'), resources: many, nonResourceURLs: keys('/metrics|get') }], lost: [] } });
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toBe('RBAC changed: 1 subject gained 13 permissions');
    const gained = (outcome.evidence as { gained: { items: { count: number; via: string[]; permissions: { items: string[]; more: number } }[] } }).gained.items[0];
    expect(gained?.count).toBe(13);
    expect(gained?.via).toEqual(['ClusterRoleBinding x → ClusterRole y']);
    expect(gained?.permissions.items[0]).toBe('verb0 core/pods in shop ← ClusterRoleBinding x → ClusterRole y');
    expect(gained?.permissions.more).toBe(3);
  });
});
