import { describe, expect, it } from 'vitest';
import type { Scenario, ScenarioSpecType } from '../scenario/schema.js';
import type { Cluster } from '../providers/types.js';
import { preflight } from './preflight.js';

const cluster = (createdByKdrill: boolean) => ({ name: 'staging', provider: 'kubeconfig', createdByKdrill }) as Cluster;
const target = (spec: ScenarioSpecType, createdByKdrill = false) => ({
  cluster: cluster(createdByKdrill),
  scenario: { apiVersion: 'kdrill.dev/v1alpha1', kind: 'Scenario', metadata: { name: 's' }, spec } as Scenario,
});
const base: ScenarioSpecType = { cluster: { provider: 'kubeconfig' }, backup: { strategy: 'resource-export' }, checks: [{ check: 'state-diff' }] };
const refused = (spec: ScenarioSpecType) => {
  try {
    preflight(target(spec), spec);
    return undefined;
  } catch (error) {
    return error as { code: string; message: string };
  }
};

describe('preflight', () => {
  it('allows a read-and-restore drill on a cluster kdrill did not create', () => {
    expect(refused(base)).toBeUndefined();
  });

  it('refuses destructive chaos (before or during the restore), prune, an etcd restore in place and fixtures without allowDestructive', () => {
    const cases: [ScenarioSpecType, RegExp][] = [
      [{ ...base, chaos: [{ step: 'delete-secrets' }] }, /chaos step delete-secrets is destructive and cluster staging/],
      [{ ...base, chaos: [{ step: 'delete-namespaces', during: 'restore', options: { names: ['x'] } }] }, /chaos step delete-namespaces/],
      [{ ...base, restore: { options: { prune: true } } }, /the restore \(resource-export: prune deletes live objects/],
      [{ ...base, backup: { strategy: 'etcd-snapshot' } }, /the restore \(etcd-snapshot: it replaces all of etcd's data/],
      [{ ...base, fixtures: { sets: ['rbac'] } }, /seeding fixtures/],
    ];
    for (const [spec, message] of cases) {
      const error = refused(spec);
      expect(error, message.source).toMatchObject({ code: 'E_UNSAFE_TARGET' });
      expect(error!.message).toMatch(message);
    }
  });

  it('allows them with allowDestructive, on a cluster kdrill created, and prune into a fresh target or as a dry run', () => {
    const risky: ScenarioSpecType = { ...base, chaos: [{ step: 'delete-secrets' }], restore: { options: { prune: true } }, fixtures: { sets: ['rbac'] } };
    expect(refused({ ...risky, cluster: { provider: 'kubeconfig', allowDestructive: true } })).toBeUndefined();
    expect(() => preflight(target(risky, true), risky)).not.toThrow();
    expect(refused({ ...base, restore: { target: 'fresh', options: { prune: true } } })).toBeUndefined();
    expect(refused({ ...base, restore: { options: { prune: true, dryRun: true } } })).toBeUndefined();
  });
});
