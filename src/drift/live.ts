import { loadBootstrapPolicy } from '../bootstrap/policy.js';
import type { KubeClient } from '../kube/client.js';
import { discoverResources } from '../kube/discovery.js';
import { isNotFound } from '../kube/errors.js';
import { collectionPath, joinApiVersion } from '../kube/paths.js';
import type { ApiResource, KubeObject } from '../kube/types.js';
import { mapLimit } from '../core/map-limit.js';
import type { BackupIndex, IndexedResource } from '../strategies/resource-export/layout.js';
import { objectSkipRule, type SkipContext } from '../strategies/resource-export/skip-rules.js';

/** The live objects of one backed-up resource type, found by the backup's own selection and skip rules. */
export interface LiveResource {
  entry: IndexedResource;
  items: KubeObject[];
  /** The version listed (the backup's, or the one served now when that is gone); absent when the type is not served. */
  version?: string;
}

/**
 * List, for every resource type the backup holds, what the cluster holds now: same namespaces, same label selector,
 * same skip rules (so what the backup left out on purpose is no drift).
 */
export async function listLive(client: KubeClient, index: BackupIndex): Promise<{ resources: LiveResource[]; catalog: ApiResource[] }> {
  const [catalog, policy] = await Promise.all([discoverResources(client), loadBootstrapPolicy(client)]);
  const served = (entry: IndexedResource) => {
    const versions = catalog.filter((r) => r.group === entry.group && r.name === entry.resource && r.verbs.includes('list')).map((r) => r.version);
    return versions.includes(entry.version) ? entry.version : versions[0];
  };
  const resources = await mapLimit(index.resources, 8, async (entry): Promise<LiveResource> => {
    const version = served(entry);
    if (!version) return { entry, items: [] };
    return { entry, version, items: await listType(client, entry, version, index) };
  });
  const skip: SkipContext = { selectorServices: selectorServices(resources), policy };
  for (const r of resources) {
    r.items = r.items.filter((o) => !objectSkipRule(r.entry.group, r.entry.resource, o, skip, index.selection.keepSkipped ?? []));
  }
  return { resources, catalog };
}

async function listType(client: KubeClient, entry: IndexedResource, version: string, index: BackupIndex): Promise<KubeObject[]> {
  const apiVersion = joinApiVersion(entry.group, version);
  const isNamespaces = entry.group === '' && entry.resource === 'namespaces';
  const labelSelector = isNamespaces ? undefined : index.selection.labelSelector;
  const scopes = entry.namespaced && index.selection.namespaces ? index.selection.namespaces : [undefined];
  const items: KubeObject[] = [];
  for (const ns of scopes) {
    try {
      const list = await client.listAll(collectionPath(apiVersion, entry.resource, ns), labelSelector ? { labelSelector } : {});
      items.push(...list.items);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  const selected = isNamespaces && index.selection.namespaces ? items.filter((o) => index.selection.namespaces!.includes(o.metadata.name)) : items;
  return selected.map((o) => ({ ...o, apiVersion, kind: entry.kind }));
}

/** `ns/name` of every live Service with a selector: their Endpoints are the controller's (the managed-endpoints rule). */
function selectorServices(resources: LiveResource[]): Set<string> {
  const services = resources.find((r) => r.entry.group === '' && r.entry.resource === 'services')?.items ?? [];
  const withSelector = services.filter((s) => Object.keys((s.spec as { selector?: object } | undefined)?.selector ?? {}).length > 0);
  return new Set(withSelector.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
}
