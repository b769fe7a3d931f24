import { mapLimit } from '../core/map-limit.js';
import { discoverResources } from '../kube/discovery.js';
import type { KubeClient } from '../kube/client.js';
import { collectionPath, joinApiVersion } from '../kube/paths.js';
import type { ApiResource } from '../kube/types.js';

// Events are noise that the namespace controller deletes anyway, and both event groups list the same objects.
const NOT_COUNTED = new Set(['events']);

/** Namespaced resources that can be listed, each once (events left out). */
export async function listableNamespacedResources(client: KubeClient): Promise<ApiResource[]> {
  const seen = new Set<string>();
  return (await discoverResources(client)).filter((r) => {
    if (!r.namespaced || !r.verbs.includes('list') || NOT_COUNTED.has(r.name)) return false;
    const key = `${r.group}/${r.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Objects (events aside) inside each namespace: what a namespace deletion takes with it. */
export async function countObjectsIn(client: KubeClient, namespaces: readonly string[]): Promise<Map<string, number>> {
  const resources = await listableNamespacedResources(client);
  const counts = new Map(namespaces.map((ns) => [ns, 0]));
  const jobs = namespaces.flatMap((ns) => resources.map((r) => ({ ns, r })));
  await mapLimit(jobs, 8, async ({ ns, r }) => {
    const path = collectionPath(joinApiVersion(r.group, r.version), r.name, ns);
    // A resource the user may not list (or an aggregated API that is down) is not counted rather than failing the step.
    const list = await client.listAll(path).catch(() => undefined);
    counts.set(ns, (counts.get(ns) ?? 0) + (list?.items.length ?? 0));
  });
  return counts;
}


/** Sum of a count map's values. */
export function total(counts: Map<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}
