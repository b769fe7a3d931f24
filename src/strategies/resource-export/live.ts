import type { KubeClient } from '../../kube/client.js';
import { isNotFound } from '../../kube/errors.js';
import { collectionPath } from '../../kube/paths.js';
import type { KubeObject } from '../../kube/types.js';
import { objectKey, type PlannedObject } from './plan.js';
import { mapLimit } from '../../core/map-limit.js';
import type { KindResolver } from './resolver.js';
import { withRetry, type RetryPolicy } from './retry.js';

/** Above this many namespaces one cluster-wide LIST is cheaper than one per namespace. */
const PER_NAMESPACE_LIMIT = 10;
const LIST_PARALLELISM = 8;

/**
 * The live objects matching `objects`, by plan key, read with a few LISTs (one per type and namespace) instead of one
 * GET per object: comparing before applying then costs almost nothing. Types the cluster does not serve have none.
 */
export async function listLive(
  client: Pick<KubeClient, 'listAll'>,
  resolver: KindResolver,
  objects: PlannedObject[],
  policy: RetryPolicy,
): Promise<Map<string, KubeObject>> {
  const wanted = new Set(objects.map((o) => o.key));
  const groups = new Map<string, { sample: PlannedObject; namespaces: Set<string> }>();
  for (const o of objects) {
    const id = `${o.desired.apiVersion}|${o.desired.kind}`;
    const group = groups.get(id) ?? { sample: o, namespaces: new Set<string>() };
    if (o.desired.metadata.namespace) group.namespaces.add(o.desired.metadata.namespace);
    groups.set(id, group);
  }
  const lists = [...groups.values()].flatMap(({ sample, namespaces }) => {
    const scopes = namespaces.size === 0 || namespaces.size > PER_NAMESPACE_LIMIT ? [undefined] : [...namespaces];
    return scopes.map((ns) => ({ sample, ns }));
  });
  const live = new Map<string, KubeObject>();
  await mapLimit(lists, LIST_PARALLELISM, async ({ sample, ns }) => {
    const served = await resolver.resolve(sample.desired.apiVersion, sample.desired.kind, policy.signal);
    if (!served) return;
    const path = collectionPath(sample.desired.apiVersion, served.name, served.namespaced ? ns : undefined);
    const items = await withRetry(() => client.listAll(path).then((l) => l.items).catch(emptyOn404), policy);
    for (const item of items) {
      const key = objectKey(sample.resource.group, sample.resource.resource, item.metadata.namespace, item.metadata.name);
      // Built-in lists omit apiVersion/kind on items; the comparison needs them.
      if (wanted.has(key)) live.set(key, { ...item, apiVersion: sample.desired.apiVersion, kind: sample.desired.kind });
    }
  });
  return live;
}

function emptyOn404(error: unknown): KubeObject[] {
  if (isNotFound(error)) return [];
  throw error;
}
