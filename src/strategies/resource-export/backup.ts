import type { DrillContext } from '../../contracts/types.js';
import { discoverResources, preferredGroupVersions } from '../../kube/discovery.js';
import type { KubeObject } from '../../kube/types.js';
import type { BackupManifest } from '../../store/types.js';
import { collectObjects, type CollectedResource } from './collect.js';
import { artifactName, INDEX_NAME, kindKey, type BackupIndex, type IndexedResource, type SkipNote } from './layout.js';
import type { BackupOptions } from './options.js';
import { kindMatches, selectResources } from './resources.js';
import { SKIP_REASONS } from './skip-rules.js';
import { mapLimit } from '../../core/map-limit.js';

const WRITE_PARALLELISM = 4;

/** The strategy id, also the manifest's `strategy`. */
export const STRATEGY_ID = 'resource-export';

/** Exports every selected API object as raw JSON, one artifact per resource type (Secrets sealed), plus index.json. */
export async function runBackup(ctx: DrillContext, options: BackupOptions): Promise<BackupManifest> {
  const started = ctx.clock.now();
  const { client } = ctx;
  const serverVersion = (await client.get<{ gitVersion?: string }>('/version')).gitVersion ?? ctx.cluster.versions.kubernetes;
  const [resources, preferred, crds] = await Promise.all([
    discoverResources(client),
    preferredGroupVersions(client),
    client.listAll('/apis/apiextensions.k8s.io/v1/customresourcedefinitions'),
  ]);
  const crdResources = new Set(crds.items.map((c) => crdResourceKey(c)));
  const { selected, typeSkips } = selectResources(resources, preferred, crdResources, options);
  const { collected, skipped } = await collectObjects(client, selected, options, ctx.signal);
  const skipNotes: SkipNote[] = [...typeSkipNotes(typeSkips), ...skipped.values()];

  const writer = await ctx.store.create({
    strategy: STRATEGY_ID,
    cluster: { name: ctx.cluster.name, provider: ctx.cluster.provider, kubernetesVersion: serverVersion },
  });
  try {
    // Serializing, sealing, hashing and fsyncing each artifact overlap: a few at once keep the disk and CPU busy.
    const indexed = await mapLimit(collected, WRITE_PARALLELISM, (entry) => putResource(writer, entry, options));
    const index: BackupIndex = {
      formatVersion: 1,
      serverVersion,
      preferredVersions: Object.fromEntries(preferred),
      selection: selectionOf(options),
      namespaces: coveredNamespaces(collected, options),
      resources: indexed,
      skipped: skipNotes,
    };
    await writer.put(INDEX_NAME, Buffer.from(JSON.stringify(index, null, 2)), { mediaType: 'application/json' });
    const counts = countByKind(collected);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const durationMs = ctx.clock.now() - started;
    ctx.logger.info('resource-export backup written', { id: writer.id, objects: total, types: indexed.length, durationMs });
    return await writer.commit({
      counts,
      total,
      durationMs,
      resourceTypes: indexed.length,
      skipped: skipNotes.reduce((sum, n) => sum + n.count, 0),
      serverVersion,
    });
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

async function putResource(
  writer: Awaited<ReturnType<DrillContext['store']['create']>>,
  { resource: r, items }: CollectedResource,
  options: BackupOptions,
): Promise<IndexedResource> {
  const artifact = artifactName(r.group, r.version, r.name);
  const sealed = (r.group === '' && r.name === 'secrets') || options.sealKinds.some((p) => kindMatches(r, p));
  await writer.put(artifact, Buffer.from(JSON.stringify(items)), { sealed, mediaType: 'application/json' });
  return {
    group: r.group,
    version: r.version,
    resource: r.name,
    kind: r.kind,
    namespaced: r.namespaced,
    artifact,
    sealed,
    count: items.length,
    custom: r.custom,
    statusSubresource: r.subresources.includes('status'),
  };
}

/** `group/plural` of the resource a CRD serves. */
export function crdResourceKey(crd: KubeObject): string {
  const spec = crd.spec as { group?: string; names?: { plural?: string } } | undefined;
  return `${spec?.group ?? ''}/${spec?.names?.plural ?? ''}`;
}

function typeSkipNotes(typeSkips: { rule: string; resource: string }[]): SkipNote[] {
  const byRule = new Map<string, SkipNote>();
  for (const { rule, resource } of typeSkips) {
    const note = byRule.get(rule) ?? { rule, reason: `${SKIP_REASONS[rule as keyof typeof SKIP_REASONS]} (type not listed)`, count: 0, examples: [] };
    note.examples.push(resource);
    byRule.set(rule, note);
  }
  return [...byRule.values()];
}

function selectionOf(options: BackupOptions): BackupIndex['selection'] {
  return {
    ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    includeClusterScoped: options.includeClusterScoped,
    keepSkipped: options.keepSkipped,
  };
}

function coveredNamespaces(collected: CollectedResource[], options: BackupOptions): string[] {
  if (options.namespaces) return [...options.namespaces].sort();
  const names = new Set<string>();
  for (const { resource, items } of collected) {
    for (const o of items) {
      if (resource.group === '' && resource.name === 'namespaces') names.add(o.metadata.name);
      else if (o.metadata.namespace) names.add(o.metadata.namespace);
    }
  }
  return [...names].sort();
}

function countByKind(collected: CollectedResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { resource, items } of collected) {
    if (items.length) counts[kindKey(resource.group, resource.kind)] = (counts[kindKey(resource.group, resource.kind)] ?? 0) + items.length;
  }
  return counts;
}
