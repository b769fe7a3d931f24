import type { ApiResource } from '../../kube/types.js';
import type { BackupOptions } from './options.js';
import { typeSkipRule } from './skip-rules.js';

/** Verbs a resource needs to be backed up and restored. */
const REQUIRED_VERBS = ['list', 'get', 'create', 'delete'];

/** Resources served by two groups: the key is dropped when the value is also served (the same stored objects). */
const ALIASES: Record<string, string> = {
  'events.k8s.io/events': '/events',
  'extensions/deployments': 'apps/deployments',
  'extensions/daemonsets': 'apps/daemonsets',
  'extensions/replicasets': 'apps/replicasets',
  'extensions/ingresses': 'networking.k8s.io/ingresses',
  'extensions/networkpolicies': 'networking.k8s.io/networkpolicies',
};

const CRD_GROUP = 'apiextensions.k8s.io';

/** A resource type the backup lists, and whether a CRD serves it. */
export interface SelectedResource extends ApiResource {
  custom: boolean;
}

/** The outcome of selection: what to list, and resource types left out by a default skip rule. */
export interface ResourceSelection {
  selected: SelectedResource[];
  typeSkips: { rule: string; resource: string }[];
}

/**
 * Picks the resource types to back up from discovery: creatable/deletable/listable ones at their group's preferred
 * version (CRDs always as apiextensions.k8s.io/v1), each once, filtered by the options.
 */
export function selectResources(
  all: ApiResource[],
  preferred: Map<string, string>,
  crdResources: Set<string>,
  options: BackupOptions,
): ResourceSelection {
  const served = new Set(all.map((r) => `${r.group}/${r.name}`));
  const selected: SelectedResource[] = [];
  const typeSkips: ResourceSelection['typeSkips'] = [];
  for (const r of all) {
    if (!REQUIRED_VERBS.every((v) => r.verbs.includes(v))) continue;
    const wanted = r.group === CRD_GROUP && r.name === 'customresourcedefinitions' ? 'v1' : preferred.get(r.group);
    if (r.version !== wanted) continue;
    const alias = ALIASES[`${r.group}/${r.name}`];
    if (alias && served.has(alias)) continue;
    if (!groupWanted(r.group, options) || !kindWanted(r, options)) continue;
    if (!r.namespaced && !options.includeClusterScoped && !(r.group === '' && r.name === 'namespaces')) continue;
    const rule = typeSkipRule(r.group, r.name);
    if (rule && !options.keepSkipped.includes(rule)) {
      typeSkips.push({ rule, resource: r.group ? `${r.name}.${r.group}` : r.name });
      continue;
    }
    selected.push({ ...r, custom: crdResources.has(`${r.group}/${r.name}`) });
  }
  return { selected, typeSkips };
}

function groupWanted(group: string, options: BackupOptions): boolean {
  if (options.includeGroups && !options.includeGroups.includes(group)) return false;
  return !options.excludeGroups.includes(group);
}

function kindWanted(r: ApiResource, options: BackupOptions): boolean {
  if (options.includeKinds && !options.includeKinds.some((p) => kindMatches(r, p))) return false;
  return !options.excludeKinds.some((p) => kindMatches(r, p));
}

/** `Secret`, `Job.batch`, `secrets` or `jobs.batch` (case-insensitive) name a resource type. */
export function kindMatches(r: Pick<ApiResource, 'group' | 'kind' | 'name'>, pattern: string): boolean {
  const p = pattern.toLowerCase();
  const kind = r.kind.toLowerCase();
  const qualified = (base: string) => (r.group ? `${base}.${r.group}` : base);
  return p === kind || p === r.name || p === qualified(kind) || p === qualified(r.name);
}
