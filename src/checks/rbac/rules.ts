import type { ApiResource } from '../../kube/types.js';

/** One RBAC PolicyRule as the API serves it. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
  nonResourceURLs?: string[];
}

/** A resource permission without its namespace: what one rule grants wherever it is bound. */
export interface ResourceGrant {
  apiGroup: string;
  resource: string;
  subresource: string;
  /** '' = any name. */
  resourceName: string;
  verb: string;
}

export interface NonResourceGrant {
  url: string;
  verb: string;
}

interface CatalogEntry {
  namespaced: boolean;
  verbs: string[];
  subresources: string[];
}

/** Served resources by API group (versions merged): what a '*' expands to. */
export type ResourceCatalog = Map<string, Map<string, CatalogEntry>>;

/** Where a rule takes effect: a ClusterRoleBinding grants cluster-wide, a RoleBinding only namespaced resources. */
export type BindingScope = 'cluster' | 'namespace';

/** Index discovery's resources by group; an empty list gives a catalog that expands nothing. */
export function buildCatalog(resources: readonly ApiResource[]): ResourceCatalog {
  const catalog: ResourceCatalog = new Map();
  for (const r of resources) {
    const group = catalog.get(r.group) ?? new Map<string, CatalogEntry>();
    catalog.set(r.group, group);
    const entry = group.get(r.name) ?? { namespaced: r.namespaced, verbs: [], subresources: [] };
    entry.verbs = union(entry.verbs, r.verbs);
    entry.subresources = union(entry.subresources, r.subresources);
    group.set(r.name, entry);
  }
  return catalog;
}

interface Target {
  resource: string;
  subresource: string;
  entry?: CatalogEntry;
}

/** Every resource grant of a rule; '*' expands against the catalog and is also kept as a marker for what it cannot list. */
export function expandResourceRule(rule: PolicyRule, catalog: ResourceCatalog, scope: BindingScope): ResourceGrant[] {
  const out: ResourceGrant[] = [];
  const names = rule.resourceNames?.length ? rule.resourceNames : [''];
  for (const group of rule.apiGroups ?? []) {
    const groups = group === '*' ? [...catalog.keys()].map((g) => ({ g, strict: true })) : [];
    groups.push({ g: group, strict: false });
    for (const { g, strict } of groups) {
      for (const pattern of rule.resources ?? []) {
        for (const target of resolveTargets(catalog, g, pattern, strict)) {
          // A RoleBinding cannot grant cluster-scoped resources, even through a ClusterRole.
          if (scope === 'namespace' && target.entry && !target.entry.namespaced) continue;
          for (const verb of expandVerbs(rule.verbs ?? [], target)) {
            for (const resourceName of names) out.push({ apiGroup: g, resource: target.resource, subresource: target.subresource, resourceName, verb });
          }
        }
      }
    }
  }
  return out;
}

/** Non-resource URLs only take effect through a ClusterRoleBinding. */
export function expandNonResourceRule(rule: PolicyRule, scope: BindingScope): NonResourceGrant[] {
  if (scope !== 'cluster') return [];
  return (rule.nonResourceURLs ?? []).flatMap((url) => (rule.verbs ?? []).map((verb) => ({ url, verb })));
}

function resolveTargets(catalog: ResourceCatalog, group: string, pattern: string, strict: boolean): Target[] {
  const served = group === '*' ? undefined : catalog.get(group);
  const [resource = '', subresource = ''] = pattern.split('/', 2);
  if (resource === '*') {
    const marker: Target = { resource: '*', subresource };
    if (!served) return strict ? [] : [marker];
    const all = [...served].flatMap(([name, entry]) => [
      ...(subresource ? [] : [{ resource: name, subresource: '', entry }]),
      ...entry.subresources.filter((s) => !subresource || s === subresource).map((s) => ({ resource: name, subresource: s, entry: subEntry(entry) })),
    ]);
    return strict ? all : [...all, marker];
  }
  const entry = served?.get(resource);
  if (strict && (!entry || (subresource && !entry.subresources.includes(subresource)))) return [];
  return [{ resource, subresource, ...(entry ? { entry: subresource ? subEntry(entry) : entry } : {}) }];
}

// Discovery folds subresources into their parent without their verbs: their '*' verb cannot be expanded.
function subEntry(parent: CatalogEntry): CatalogEntry {
  return { namespaced: parent.namespaced, verbs: [], subresources: [] };
}

function expandVerbs(verbs: string[], target: Target): string[] {
  if (!verbs.includes('*')) return verbs;
  return union(verbs, target.entry?.verbs ?? []);
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
