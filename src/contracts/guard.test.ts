import { describe, expect, it } from 'vitest';
import type { DrillContext } from './types.js';
import { assertDestructiveAllowed, assertObjectActionAllowed, destructiveAllowed } from './guard.js';

const ctx = (createdByKdrill: boolean, allowDestructive?: boolean) =>
  ({
    cluster: { name: 'prod-ish', provider: 'kubeconfig', createdByKdrill },
    scenario: { spec: { cluster: { provider: 'kubeconfig', ...(allowDestructive === undefined ? {} : { allowDestructive }) } } },
  }) as unknown as Pick<DrillContext, 'cluster' | 'scenario'>;

describe('assertDestructiveAllowed', () => {
  it('allows clusters kdrill created', () => {
    expect(() => assertDestructiveAllowed(ctx(true), 'wipe-cluster')).not.toThrow();
  });

  it('refuses a foreign cluster with E_UNSAFE_TARGET naming the step, the cluster and allowDestructive', () => {
    for (const allow of [undefined, false]) {
      try {
        assertDestructiveAllowed(ctx(false, allow), 'wipe-cluster');
        expect.unreachable();
      } catch (error) {
        expect(error).toMatchObject({ code: 'E_UNSAFE_TARGET', exitCode: 2 });
        expect((error as Error).message).toContain('wipe-cluster');
        expect((error as Error).message).toContain('prod-ish');
        expect((error as { hint: string }).hint).toContain('spec.cluster.allowDestructive: true');
      }
    }
  });

  it('allows a foreign cluster when the scenario opts in', () => {
    expect(() => assertDestructiveAllowed(ctx(false, true), 'wipe-cluster')).not.toThrow();
  });

  it('names what would happen when given a phrase, and reads a bare id as a chaos step', () => {
    expect(() => assertDestructiveAllowed(ctx(false), 'the restore (resource-export: prune deletes live objects)')).toThrow(
      /^the restore \(resource-export: prune deletes live objects\) is destructive and cluster prod-ish/,
    );
    expect(() => assertDestructiveAllowed(ctx(false), 'wipe-cluster')).toThrow(/^chaos step wipe-cluster is destructive/);
    expect([destructiveAllowed(ctx(true)), destructiveAllowed(ctx(false)), destructiveAllowed(ctx(false, true))]).toEqual([true, false, true]);
  });
});

describe('assertObjectActionAllowed', () => {
  it('names the action and every object (capped) on a foreign cluster, and the opt-in', () => {
    const objects = Array.from({ length: 12 }, (_, i) => `RoleBinding shop/r${i}`);
    try {
      assertObjectActionAllowed(ctx(false), 'delete and recreate', objects);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'E_UNSAFE_TARGET', exitCode: 2 });
      expect((error as Error).message).toContain('delete and recreate RoleBinding shop/r0, ');
      expect((error as Error).message).toContain('and 2 more on cluster prod-ish');
      expect((error as { hint: string }).hint).toContain('allowDestructive: true');
    }
  });

  it('allows kdrill clusters, opted-in ones, and nothing to do', () => {
    expect(() => assertObjectActionAllowed(ctx(true), 'delete', ['x'])).not.toThrow();
    expect(() => assertObjectActionAllowed(ctx(false, true), 'delete', ['x'])).not.toThrow();
    expect(() => assertObjectActionAllowed(ctx(false), 'delete', [])).not.toThrow();
    expect(destructiveAllowed(ctx(false))).toBe(false);
  });
});
