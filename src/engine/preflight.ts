import type { ScenarioSpecType } from '../scenario/schema.js';
import { assertDestructiveAllowed } from '../contracts/guard.js';
import type { BackupStrategy, DrillContext } from '../contracts/types.js';
import { plugins } from './plugins.js';

type Target = Pick<DrillContext, 'cluster' | 'scenario'>;

/**
 * Everything a scenario would break, delete or write in its cluster, checked right after provision and before the
 * first write (markers, fixtures): a drill refused as unsafe leaves a cluster kdrill did not create untouched.
 * `target` is the cluster the drill works on (today the source; an isolated restore target would be checked apart).
 */
export function preflight(target: Target, spec: ScenarioSpecType): void {
  for (const s of spec.chaos ?? []) {
    const step = plugins.chaos(s.step);
    if (step.destructive) assertDestructiveAllowed(target, step.id);
  }
  if ((spec.restore?.target ?? 'same') === 'same') {
    assertRestoreAllowed(target, plugins.strategy(spec.restore?.strategy ?? spec.backup.strategy), spec.restore?.options ?? {});
  }
  const f = spec.fixtures;
  if (f && (f.sets?.length || f.manifests?.length || f.generate)) {
    assertDestructiveAllowed(target, 'seeding fixtures (objects written into the cluster and deleted again at teardown)');
  }
}

/** A restore that deletes live objects (prune, an etcd restore) needs the same opt-in as a destructive chaos step. */
export function assertRestoreAllowed(target: Target, strategy: BackupStrategy, options: Record<string, unknown>): void {
  const deletes = strategy.restoreDeletes?.(options);
  if (deletes) assertDestructiveAllowed(target, `the restore (${strategy.id}: ${deletes})`);
}
