import { Readable } from 'node:stream';
import { loadBootstrapPolicy } from '../../bootstrap/policy.js';
import type { KubeClient } from '../../kube/client.js';
import { isExpired } from '../../kube/errors.js';
import { collectionPath, joinApiVersion } from '../../kube/paths.js';
import type { KubeObject } from '../../kube/types.js';
import type { BackupWriter } from '../../store/types.js';
import { artifactName, type IndexedResource, type SkipNote } from './layout.js';
import type { BackupOptions } from './options.js';
import { mapLimit } from '../../core/map-limit.js';
import { kindMatches, type SelectedResource } from './resources.js';
import { objectSkipRule, SKIP_REASONS, type SkipContext, type SkipRuleId } from './skip-rules.js';

/** Parallel LISTs while collecting: enough to hide latency without crowding a small apiserver. */
export const LIST_PARALLELISM = 8;
/** A LIST whose continue token expires (etcd compacted past it) is started again, its artifact rewritten, this often. */
const LIST_ATTEMPTS = 3;

/** What the export of every selected type gives the backup's index and manifest. */
export interface Exported {
  resources: IndexedResource[];
  skipped: Map<SkipRuleId, SkipNote>;
  /** Namespaces of the exported objects, and the exported Namespaces' names. */
  namespaces: Set<string>;
}

/** What one type's export saw; kept only when its artifact was stored (an expired LIST starts a fresh tally). */
interface Tally {
  count: number;
  namespaces: Set<string>;
  skipped: Map<SkipRuleId, SkipNote>;
}

/**
 * LISTs every selected resource and streams it into the backup, one artifact per type: each page is filtered by the
 * default skip rules, serialized and sealed before the next one is read, so the backup never holds the cluster in
 * memory, whatever its size.
 */
export async function exportResources(
  client: KubeClient,
  selected: SelectedResource[],
  options: BackupOptions,
  writer: BackupWriter,
  signal?: AbortSignal,
): Promise<Exported> {
  const ctx = await skipContext(client, selected, signal);
  const exported: Exported = { resources: [], skipped: new Map(), namespaces: new Set() };
  exported.resources = await mapLimit(selected, LIST_PARALLELISM, async (resource) => {
    const { tally, entry } = await exportResource(client, resource, options, ctx, writer, signal);
    for (const note of tally.skipped.values()) mergeSkips(exported.skipped, note);
    for (const ns of tally.namespaces) exported.namespaces.add(ns);
    return entry;
  });
  return exported;
}

async function exportResource(
  client: KubeClient,
  r: SelectedResource,
  options: BackupOptions,
  ctx: SkipContext,
  writer: BackupWriter,
  signal?: AbortSignal,
): Promise<{ tally: Tally; entry: IndexedResource }> {
  const artifact = artifactName(r.group, r.version, r.name);
  const sealed = (r.group === '' && r.name === 'secrets') || options.sealKinds.some((p) => kindMatches(r, p));
  for (let attempt = 1; ; attempt++) {
    const tally: Tally = { count: 0, namespaces: new Set(), skipped: new Map() };
    const kept = keptPages(client, r, options, ctx, tally, signal);
    try {
      await writer.putStream(artifact, Readable.from(jsonArray(kept)), { sealed, mediaType: 'application/json' });
    } catch (error) {
      if (isExpired(error) && attempt < LIST_ATTEMPTS) continue;
      throw error;
    }
    const entry: IndexedResource = {
      group: r.group,
      version: r.version,
      resource: r.name,
      kind: r.kind,
      namespaced: r.namespaced,
      artifact,
      sealed,
      count: tally.count,
      custom: r.custom,
      statusSubresource: r.subresources.includes('status'),
    };
    return { tally, entry };
  }
}

/** The objects of one type that go into the backup, a page at a time; what the skip rules leave out is tallied. */
async function* keptPages(
  client: KubeClient,
  r: SelectedResource,
  options: BackupOptions,
  ctx: SkipContext,
  tally: Tally,
  signal?: AbortSignal,
): AsyncGenerator<KubeObject[]> {
  const apiVersion = joinApiVersion(r.group, r.version);
  const isNamespaceList = r.group === '' && r.name === 'namespaces';
  // Namespaces are kept whatever the label selector: the selected objects need them to be restored anywhere.
  const labelSelector = isNamespaceList ? undefined : options.labelSelector;
  const scopes = r.namespaced && options.namespaces ? options.namespaces : [undefined];
  for (const ns of scopes) {
    const path = collectionPath(apiVersion, r.name, ns);
    for await (const page of client.pages(path, { ...(labelSelector ? { labelSelector } : {}), ...(signal ? { signal } : {}) })) {
      const kept: KubeObject[] = [];
      for (const obj of page.items ?? []) {
        if (isNamespaceList && options.namespaces && !options.namespaces.includes(obj.metadata.name)) continue;
        // Built-in lists omit apiVersion/kind on items; every stored object must say what it is. The page is ours: no copy.
        if (!obj.apiVersion || !obj.kind) Object.assign(obj, { apiVersion, kind: r.kind });
        const rule = objectSkipRule(r.group, r.name, obj, ctx, options.keepSkipped);
        if (rule) noteSkip(tally.skipped, rule, obj);
        else kept.push(obj);
      }
      tally.count += kept.length;
      for (const o of kept) {
        const ns = isNamespaceList ? o.metadata.name : o.metadata.namespace;
        if (ns) tally.namespaces.add(ns);
      }
      yield kept;
    }
  }
}

/** A JSON array of every object the pages hold, as buffers of one page each. */
async function* jsonArray(pages: AsyncIterable<KubeObject[]>): AsyncGenerator<Buffer> {
  yield Buffer.from('[');
  let first = true;
  for await (const page of pages) {
    if (!page.length) continue;
    // One native call per page: a quarter faster than one per object.
    yield Buffer.from(`${first ? '' : ','}${JSON.stringify(page).slice(1, -1)}`);
    first = false;
  }
  yield Buffer.from(']');
}

async function skipContext(client: KubeClient, selected: SelectedResource[], signal?: AbortSignal): Promise<SkipContext> {
  const policy = await loadBootstrapPolicy(client);
  const needsServices = selected.some((r) => r.group === '' && r.name === 'endpoints');
  if (!needsServices) return { selectorServices: new Set(), policy };
  // Every Service in the cluster, whatever the selection: an Endpoints object is its Service's controller's either way.
  const services = (await client.listAll('/api/v1/services', signal ? { signal } : {})).items;
  const withSelector = services.filter((s) => Object.keys((s.spec as { selector?: object } | undefined)?.selector ?? {}).length > 0);
  return { selectorServices: new Set(withSelector.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)), policy };
}

function mergeSkips(skipped: Map<SkipRuleId, SkipNote>, note: SkipNote): void {
  const into = skipped.get(note.rule as SkipRuleId);
  if (!into) return void skipped.set(note.rule as SkipRuleId, { ...note, examples: [...note.examples] });
  into.count += note.count;
  into.examples.push(...note.examples.slice(0, 5 - into.examples.length));
}

function noteSkip(skipped: Map<SkipRuleId, SkipNote>, rule: SkipRuleId, obj: KubeObject): void {
  let note = skipped.get(rule);
  if (!note) skipped.set(rule, (note = { rule, reason: SKIP_REASONS[rule], count: 0, examples: [] }));
  note.count++;
  const where = obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
  if (note.examples.length < 5) note.examples.push(`${obj.kind} ${where}`);
}
