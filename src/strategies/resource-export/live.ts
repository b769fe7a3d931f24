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
 * About this many objects are compared and applied per batch: only a batch's live objects and apply bodies are held
 * at once, so a restore of 50k objects does not hold the cluster twice. A type in one namespace is never split.
 */
export const BATCH_OBJECTS = 2000;

/** Some of a step's objects, and whether their types' other objects sit in other batches (then list per namespace). */
export interface LiveBatch {
  objects: PlannedObject[];
  partial: boolean;
}

/**
 * Cuts a step into batches of whole (type, namespace) groups. Types with at most `limit` objects share batches and
 * keep their one cluster-wide LIST; a larger type is split by namespace, each batch listing only its namespaces.
 */
export function liveBatches(objects: PlannedObject[], limit = BATCH_OBJECTS): LiveBatch[] {
  const byType = groupBy(objects, typeId);
  const batches: LiveBatch[] = [];
  let small: PlannedObject[] = [];
  for (const typed of byType.values()) {
    if (typed.length <= limit) {
      small.push(...typed);
      if (small.length >= limit) {
        batches.push({ objects: small, partial: false });
        small = [];
      }
      continue;
    }
    let part: PlannedObject[] = [];
    for (const inNamespace of groupBy(typed, (o) => o.head.metadata.namespace ?? '').values()) {
      if (part.length && part.length + inNamespace.length > limit) {
        batches.push({ objects: part, partial: true });
        part = [];
      }
      part.push(...inNamespace);
    }
    if (part.length) batches.push({ objects: part, partial: true });
  }
  if (small.length) batches.push({ objects: small, partial: false });
  return batches;
}

/**
 * Calls `visit` with each batch of `objects` and its live objects; the next batch's LISTs run while `visit` works on
 * the current one, so batching costs no extra round trips. Batches run one after another, in order.
 */
export async function forEachLiveBatch(
  client: Pick<KubeClient, 'listAll'>,
  resolver: KindResolver,
  objects: PlannedObject[],
  policy: RetryPolicy,
  visit: (objects: PlannedObject[], live: Map<string, KubeObject>) => Promise<void>,
): Promise<void> {
  const batches = liveBatches(objects);
  const list = (b: LiveBatch) => listLive(client, resolver, b.objects, policy, { perNamespace: b.partial });
  let next = batches.length ? list(batches[0]!) : undefined;
  for (const [i, batch] of batches.entries()) {
    const live = await next!;
    next = batches[i + 1] ? list(batches[i + 1]!) : undefined;
    // A failed visit ends the loop: the prefetched LIST's own failure, if any, must not surface as unhandled.
    next?.catch(() => undefined);
    await visit(batch.objects, live);
  }
}

/**
 * The live objects matching `objects`, by plan key, read with a few LISTs (one per type and namespace) instead of one
 * GET per object: comparing before applying then costs almost nothing. Types the cluster does not serve have none.
 * `perNamespace` lists each namespace even when there are many (the objects are some of their type's, see liveBatches).
 */
export async function listLive(
  client: Pick<KubeClient, 'listAll'>,
  resolver: KindResolver,
  objects: PlannedObject[],
  policy: RetryPolicy,
  { perNamespace = false }: { perNamespace?: boolean } = {},
): Promise<Map<string, KubeObject>> {
  const wanted = new Set(objects.map((o) => o.key));
  const groups = new Map<string, { sample: PlannedObject; namespaces: Set<string> }>();
  for (const o of objects) {
    const id = typeId(o);
    const group = groups.get(id) ?? { sample: o, namespaces: new Set<string>() };
    if (o.head.metadata.namespace) group.namespaces.add(o.head.metadata.namespace);
    groups.set(id, group);
  }
  const lists = [...groups.values()].flatMap(({ sample, namespaces }) => {
    const clusterWide = namespaces.size === 0 || (namespaces.size > PER_NAMESPACE_LIMIT && !perNamespace);
    return (clusterWide ? [undefined] : [...namespaces]).map((ns) => ({ sample, ns }));
  });
  const live = new Map<string, KubeObject>();
  await mapLimit(lists, LIST_PARALLELISM, async ({ sample, ns }) => {
    const { apiVersion, kind } = sample.head;
    const served = await resolver.resolve(apiVersion, kind, policy.signal);
    if (!served) return;
    const path = collectionPath(apiVersion, served.name, served.namespaced ? ns : undefined);
    const items = await withRetry(() => client.listAll(path).then((l) => l.items).catch(emptyOn404), policy);
    for (const item of items) {
      const key = objectKey(sample.resource.group, sample.resource.resource, item.metadata.namespace, item.metadata.name);
      // Built-in lists omit apiVersion/kind on items; the comparison needs them.
      if (wanted.has(key)) live.set(key, { ...item, apiVersion, kind });
    }
  });
  return live;
}

/** One resource type's objects share this (one LIST per type and namespace). */
function typeId(o: PlannedObject): string {
  return `${o.head.apiVersion}|${o.head.kind}`;
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function emptyOn404(error: unknown): KubeObject[] {
  if (isNotFound(error)) return [];
  throw error;
}
