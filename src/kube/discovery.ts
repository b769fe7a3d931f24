import type { KubeClient } from './client.js';
import type { ApiResource } from './types.js';
import { joinApiVersion } from './paths.js';

interface ResourceListJson {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

interface GroupListJson {
  groups: { name: string; preferredVersion: { version: string }; versions: { groupVersion: string; version: string }[] }[];
}

/** Every served resource of every group version (subresources folded into their parent). */
export async function discoverResources(client: KubeClient): Promise<ApiResource[]> {
  const groupVersions = ['v1'];
  const groups = await client.get<GroupListJson>('/apis');
  for (const group of groups.groups) for (const v of group.versions) groupVersions.push(v.groupVersion);
  const lists = await Promise.all(groupVersions.map((gv) => fetchResourceList(client, gv)));
  return lists.flat();
}

/** The preferred version of each group, core first: which version a backup takes each resource at. */
export async function preferredGroupVersions(client: KubeClient): Promise<Map<string, string>> {
  const preferred = new Map<string, string>([['', 'v1']]);
  const groups = await client.get<GroupListJson>('/apis');
  for (const group of groups.groups) preferred.set(group.name, group.preferredVersion.version);
  return preferred;
}

async function fetchResourceList(client: KubeClient, groupVersion: string): Promise<ApiResource[]> {
  const path = groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`;
  // A group whose backing service is down (an aggregated API) answers 503: skip it rather than fail discovery.
  const list = await client.getOptional<ResourceListJson>(path).catch(() => undefined);
  if (!list) return [];
  const [group, version] = groupVersion.includes('/') ? groupVersion.split('/') as [string, string] : ['', groupVersion];
  const byName = new Map<string, ApiResource>();
  for (const r of list.resources) {
    const [parent, sub] = r.name.split('/') as [string, string | undefined];
    if (sub) {
      byName.get(parent)?.subresources.push(sub);
      continue;
    }
    byName.set(parent, { group, version, name: parent, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs, subresources: [] });
  }
  // Subresources may be listed before their parent.
  for (const r of list.resources) {
    const [parent, sub] = r.name.split('/') as [string, string | undefined];
    const owner = byName.get(parent);
    if (sub && owner && !owner.subresources.includes(sub)) owner.subresources.push(sub);
  }
  return [...byName.values()];
}

/** Resolve the plural resource name of an apiVersion + kind. */
export class ResourceMapper {
  private readonly byKind = new Map<string, ApiResource>();

  constructor(resources: ApiResource[]) {
    for (const r of resources) this.byKind.set(`${joinApiVersion(r.group, r.version)}|${r.kind}`, r);
  }

  static async load(client: KubeClient): Promise<ResourceMapper> {
    return new ResourceMapper(await discoverResources(client));
  }

  lookup(apiVersion: string, kind: string): ApiResource | undefined {
    return this.byKind.get(`${apiVersion}|${kind}`);
  }
}
