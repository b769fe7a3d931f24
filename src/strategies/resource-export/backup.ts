import type { DrillContext } from '../../contracts/types.js';
import { discoverResources, preferredGroupVersions } from '../../kube/discovery.js';
import type { KubeObject } from '../../kube/types.js';
import type { BackupManifest } from '../../store/types.js';
import { exportResources } from './collect.js';
import { INDEX_NAME, kindKey, type BackupIndex, type IndexedResource, type SkipNote } from './layout.js';
import type { BackupOptions } from './options.js';
import { selectResources } from './resources.js';
import { SKIP_REASONS } from './skip-rules.js';

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

  const writer = await ctx.store.create({
    strategy: STRATEGY_ID,
    cluster: { name: ctx.cluster.name, provider: ctx.cluster.provider, kubernetesVersion: serverVersion },
  });
  try {
    const exported = await exportResources(client, selected, options, writer, ctx.signal);
    const skipNotes: SkipNote[] = [...typeSkipNotes(typeSkips), ...exported.skipped.values()];
    const index: BackupIndex = {
      formatVersion: 1,
      serverVersion,
      preferredVersions: Object.fromEntries(preferred),
      selection: selectionOf(options),
      namespaces: options.namespaces ? [...options.namespaces].sort() : [...exported.namespaces].sort(),
      resources: exported.resources,
      skipped: skipNotes,
    };
    await writer.put(INDEX_NAME, Buffer.from(JSON.stringify(index, null, 2)), { mediaType: 'application/json' });
    const counts = countByKind(exported.resources);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const durationMs = ctx.clock.now() - started;
    ctx.logger.info('resource-export backup written', { id: writer.id, objects: total, types: exported.resources.length, durationMs });
    return await writer.commit({
      counts,
      total,
      durationMs,
      resourceTypes: exported.resources.length,
      skipped: skipNotes.reduce((sum, n) => sum + n.count, 0),
      serverVersion,
    });
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
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

function countByKind(resources: IndexedResource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) {
    if (r.count) counts[kindKey(r.group, r.kind)] = (counts[kindKey(r.group, r.kind)] ?? 0) + r.count;
  }
  return counts;
}
