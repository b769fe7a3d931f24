import { resetToPolicy } from '../../bootstrap/defaults.js';
import type { KubeClient } from '../../kube/client.js';
import { isNotFound } from '../../kube/errors.js';
import { collectionPath, joinApiVersion, objectPath } from '../../kube/paths.js';
import type { KubeObject } from '../../kube/types.js';
import type { BackupIndex, IndexedResource } from './layout.js';
import { objectKey } from './plan.js';
import { mapLimit } from '../../core/map-limit.js';
import type { KindResolver } from './resolver.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { objectSkipRule, type SkipContext } from './skip-rules.js';
import { tierOf, type Tier } from './tiers.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Namespaces a prune never deletes, whatever the backup holds. */
export const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** A live object the backup does not have, inside the backup's selection. */
export interface PruneCandidate {
  tier: Tier;
  path: string;
  object: KubeObject;
  /** For a changed bootstrap RBAC object: its policy content, written instead of deleting what the cluster needs. */
  reset?: KubeObject;
}

/** Where pruning may act: the backed-up namespaces (after mapping) and whether cluster-scoped objects are in scope. */
export interface PruneScope {
  namespaces: Set<string>;
  clusterScoped: boolean;
  /** Namespaces themselves: only when the backup covered the whole cluster. */
  namespaceObjects: boolean;
  keepSkipped: string[];
  skipContext: SkipContext;
}

/** The prune scope of a backup: a namespace- or label-restricted backup never prunes cluster-wide objects. */
export function pruneScope(index: BackupIndex, namespaceMap: Record<string, string>, skipContext: SkipContext): PruneScope {
  const whole = !index.selection.namespaces && !index.selection.labelSelector;
  return {
    namespaces: new Set(index.namespaces.map((ns) => namespaceMap[ns] ?? ns)),
    clusterScoped: !index.selection.namespaces,
    namespaceObjects: whole,
    keepSkipped: index.selection.keepSkipped ?? [],
    skipContext,
  };
}

/** True when `live` (of type `entry`) is in scope, not in the backup (`planned` keys), and not a system object. */
export function shouldPrune(live: KubeObject, entry: IndexedResource, planned: Set<string>, scope: PruneScope): boolean {
  const { name, namespace } = live.metadata;
  if (planned.has(objectKey(entry.group, entry.resource, namespace, name))) return false;
  if (objectSkipRule(entry.group, entry.resource, live, scope.skipContext, scope.keepSkipped)) return false;
  // A controller owns its dependents' lifecycle: pruning the owner takes them along. Not for grants: anyone who can
  // write a binding can also write an ownerReference, and a grant the backup lacks must go whatever claims it.
  if (entry.group !== RBAC_GROUP && (live.metadata.ownerReferences ?? []).some((r) => r.controller)) return false;
  if (entry.group === '' && entry.resource === 'namespaces') return scope.namespaceObjects && !SYSTEM_NAMESPACES.has(name);
  return entry.namespaced ? scope.namespaces.has(namespace ?? '') : scope.clusterScoped;
}

/** LISTs every backed-up type in the target (within the selection) and returns the objects to delete. */
export async function findPruneCandidates(
  client: Pick<KubeClient, 'listAll'>,
  resolver: KindResolver,
  index: BackupIndex,
  planned: Set<string>,
  scope: PruneScope,
  policy: RetryPolicy,
): Promise<PruneCandidate[]> {
  const found = await mapLimit(index.resources, 8, async (entry) => {
    const apiVersion = joinApiVersion(entry.group, entry.version);
    const served = await resolver.resolve(apiVersion, entry.kind, policy.signal);
    if (!served || (!entry.namespaced && !scope.clusterScoped && entry.resource !== 'namespaces')) return [];
    const isNamespaces = entry.group === '' && entry.resource === 'namespaces';
    const labelSelector = isNamespaces ? undefined : index.selection.labelSelector;
    const list = () => client.listAll(collectionPath(apiVersion, served.name), labelSelector ? { labelSelector } : {});
    const items = await withRetry(() => list().then((l) => l.items).catch((e) => (isNotFound(e) ? [] : Promise.reject(e))), policy);
    return items
      .map((o) => (o.apiVersion && o.kind ? o : { ...o, apiVersion, kind: entry.kind }))
      .filter((o) => shouldPrune(o, entry, planned, scope))
      .map((object) => {
        const reset = resetToPolicy(object, scope.skipContext.policy);
        return {
          tier: tierOf(entry.group, entry.resource, entry.custom),
          path: objectPath(apiVersion, served.name, object.metadata.name, served.namespaced ? object.metadata.namespace : undefined),
          object,
          ...(reset ? { reset } : {}),
        };
      });
  });
  return found.flat();
}
