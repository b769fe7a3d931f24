import { compareStates, type StateComparison } from '../checks/diff/compare-states.js';
import { maskAllValues, normalizeObject, objectKey } from '../checks/normalize.js';
import type { KubeObject } from '../kube/types.js';
import type { IndexedResource } from '../strategies/resource-export/layout.js';

/** One resource type on both sides. */
export interface TypePair {
  entry: IndexedResource;
  backup: KubeObject[];
  live: KubeObject[];
}

/**
 * Every object of the other exported kinds, normalized as state-diff normalizes them (server fields, allocated IPs,
 * controller-written status dropped). Kinds the backup sealed have every value replaced by a keyed hash (as state-diff
 * masks them), so a diff shows which field changed and never what it holds.
 */
export function compareObjects(pairs: readonly TypePair[], runKey: Buffer, maxDiffs: number): StateComparison {
  const side = (pick: (p: TypePair) => KubeObject[]) =>
    Object.fromEntries(pairs.flatMap((p) => pick(p).map((o) => {
      const normalized = normalizeObject(o, { keepStatus: !p.entry.statusSubresource });
      return [objectKey(o), p.entry.sealed ? maskAllValues(normalized, runKey) : normalized];
    })));
  return compareStates(side((p) => p.backup), side((p) => p.live), { maxDiffs, labels: ['backup', 'live'] });
}
