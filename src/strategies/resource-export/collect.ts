import { loadBootstrapPolicy } from '../../bootstrap/policy.js';
import type { KubeClient } from '../../kube/client.js';
import { collectionPath, joinApiVersion } from '../../kube/paths.js';
import type { KubeObject } from '../../kube/types.js';
import type { SkipNote } from './layout.js';
import type { BackupOptions } from './options.js';
import { mapLimit } from '../../core/map-limit.js';
import type { SelectedResource } from './resources.js';
import { objectSkipRule, SKIP_REASONS, type SkipContext, type SkipRuleId } from './skip-rules.js';

/** The objects of one resource type that go into the backup. */
export interface CollectedResource {
  resource: SelectedResource;
  items: KubeObject[];
}

/** Parallel LISTs while collecting: enough to hide latency without crowding a small apiserver. */
export const LIST_PARALLELISM = 8;

/** LISTs every selected resource (paginated, raw JSON), then drops what the default skip rules leave out. */
export async function collectObjects(
  client: KubeClient,
  selected: SelectedResource[],
  options: BackupOptions,
  signal?: AbortSignal,
): Promise<{ collected: CollectedResource[]; skipped: Map<SkipRuleId, SkipNote> }> {
  const listed = await mapLimit(selected, LIST_PARALLELISM, async (resource) => ({
    resource,
    items: await listResource(client, resource, options, signal),
  }));
  const ctx = await skipContext(client, listed);
  const skipped = new Map<SkipRuleId, SkipNote>();
  const collected = listed.map(({ resource, items }) => ({
    resource,
    items: items.filter((obj) => {
      const rule = objectSkipRule(resource.group, resource.name, obj, ctx, options.keepSkipped);
      if (rule) noteSkip(skipped, rule, obj);
      return !rule;
    }),
  }));
  return { collected, skipped };
}

async function listResource(client: KubeClient, r: SelectedResource, options: BackupOptions, signal?: AbortSignal): Promise<KubeObject[]> {
  const apiVersion = joinApiVersion(r.group, r.version);
  const isNamespaceList = r.group === '' && r.name === 'namespaces';
  // Namespaces are kept whatever the label selector: the selected objects need them to be restored anywhere.
  const labelSelector = isNamespaceList ? undefined : options.labelSelector;
  const list = (ns?: string) =>
    client.listAll(collectionPath(apiVersion, r.name, ns), { ...(labelSelector ? { labelSelector } : {}), ...(signal ? { signal } : {}) });
  const scopes = r.namespaced && options.namespaces ? options.namespaces : [undefined];
  const pages = await Promise.all(scopes.map((ns) => list(ns)));
  let items = pages.flatMap((p) => p.items ?? []);
  if (isNamespaceList && options.namespaces) items = items.filter((o) => options.namespaces!.includes(o.metadata.name));
  // Built-in lists omit apiVersion/kind on items; every stored object must say what it is.
  return items.map((o) => (o.apiVersion && o.kind ? o : { ...o, apiVersion, kind: r.kind }));
}

async function skipContext(client: KubeClient, listed: CollectedResource[]): Promise<SkipContext> {
  const policy = await loadBootstrapPolicy(client);
  const needsServices = listed.some((l) => l.resource.group === '' && l.resource.name === 'endpoints');
  if (!needsServices) return { selectorServices: new Set(), policy };
  const services =
    listed.find((l) => l.resource.group === '' && l.resource.name === 'services')?.items ??
    (await client.listAll('/api/v1/services')).items;
  const withSelector = services.filter((s) => Object.keys((s.spec as { selector?: object } | undefined)?.selector ?? {}).length > 0);
  return { selectorServices: new Set(withSelector.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)), policy };
}

function noteSkip(skipped: Map<SkipRuleId, SkipNote>, rule: SkipRuleId, obj: KubeObject): void {
  let note = skipped.get(rule);
  if (!note) skipped.set(rule, (note = { rule, reason: SKIP_REASONS[rule], count: 0, examples: [] }));
  note.count++;
  const where = obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
  if (note.examples.length < 5) note.examples.push(`${obj.kind} ${where}`);
}
