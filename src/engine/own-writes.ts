import { KdrillError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { destructiveAllowed } from '../contracts/guard.js';
import type { DrillContext } from '../contracts/types.js';
import type { KubeClient } from '../kube/client.js';
import type { Cluster } from '../providers/types.js';
import { ResourceMapper } from '../kube/discovery.js';
import { isNotFound } from '../kube/errors.js';
import { objectPath } from '../kube/paths.js';
import type { KubeObject } from '../kube/types.js';
import { ensureMarkerNamespace, MARKER_NAMESPACE, writeMarker } from './markers.js';

/** The label kdrill puts on every object it writes for a run (fixtures, markers). */
export const RUN_ID_LABEL = 'kdrill.dev/run-id';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * What kdrill itself wrote into a cluster it did not create (seed fixtures, RPO markers), so teardown can remove it.
 * Recorded before the writes, so a seed that fails half-way is cleaned up too.
 */
export interface OwnWrites {
  fixtures: ObjectRef[];
  markers: boolean;
}

const PARALLELISM = 8;

/**
 * The cluster kdrill was pointed at, and what kdrill itself wrote there. `writes` exists only for a cluster kdrill
 * did not create: teardown removes those writes (a cluster kdrill created is destroyed whole).
 */
export interface SourceCluster {
  cluster: Cluster;
  client: KubeClient;
  /** kdrill may write its RPO markers here (it created the cluster, or the scenario set allowDestructive). */
  markers: boolean;
  writes?: OwnWrites;
}

/** The cluster the drill starts on, before a restore may move the context to a fresh target. */
export function sourceOf(ctx: Pick<DrillContext, 'cluster' | 'client' | 'scenario'>): SourceCluster {
  const foreign = !ctx.cluster.createdByKdrill;
  return { cluster: ctx.cluster, client: ctx.client, markers: destructiveAllowed(ctx), ...(foreign ? { writes: { fixtures: [], markers: false } } : {}) };
}

/**
 * What the seed does before its first fixture write: in a cluster kdrill did not create, refuse fixtures that already
 * exist and record every object about to be written (so teardown removes it even after a half-done seed); then the
 * marker namespace and the first RPO marker, where kdrill may write them.
 */
export function firstWrites(source: SourceCluster, ctx: Pick<DrillContext, 'client' | 'cluster' | 'runId'>, now: () => number): (objects: KubeObject[]) => Promise<void> {
  return async (objects) => {
    if (source.writes && objects.length > 0) {
      await refuseExistingFixtures(ctx.client, ctx.cluster.name, objects);
      source.writes.fixtures = objects.map((x) => ({ apiVersion: x.apiVersion, kind: x.kind, name: x.metadata.name, ...(x.metadata.namespace ? { namespace: x.metadata.namespace } : {}) }));
    }
    if (!source.markers) return;
    if (source.writes) source.writes.markers = true;
    await ensureMarkerNamespace(ctx.client, ctx.runId);
    await writeMarker(ctx.client, ctx.runId, 'before-backup', now());
  };
}

/**
 * Refuse to seed fixtures that already exist in a cluster kdrill did not create: the seed would take them over and
 * teardown would delete them. Only objects kdrill created carry its run-id label, so teardown removes only those.
 */
export async function refuseExistingFixtures(client: KubeClient, clusterName: string, objects: KubeObject[]): Promise<void> {
  const mapper = await ResourceMapper.load(client);
  const existing: string[] = [];
  await forEachLimit(objects, async (o) => {
    const path = pathOf(mapper, o);
    if (path && (await client.getOptional(path))) existing.push(describe(o));
  });
  if (existing.length === 0) return;
  throw new KdrillError('E_UNSAFE_TARGET', `fixtures already exist in cluster ${clusterName}, which kdrill did not create: ${existing.sort().slice(0, 5).join(', ')}${existing.length > 5 ? ` and ${existing.length - 5} more` : ''}`, {
    hint: `kdrill would overwrite them and delete them at teardown; rename the fixtures, or remove leftovers of an earlier run (kubectl delete <kind> -A -l ${RUN_ID_LABEL})`,
    details: { existing: existing.length },
  });
}

/** Delete what `writes` lists and still carries this run's label; returns a one-line summary. Never throws. */
export async function removeOwnWrites(client: KubeClient, runId: string, writes: OwnWrites, logger: Logger): Promise<string> {
  let deleted = 0;
  const failures: string[] = [];
  const remove = async (path: string, what: string) => {
    try {
      const live = await client.getOptional(path);
      if (live?.metadata.labels?.[RUN_ID_LABEL] !== runId) return;
      if (await client.delete(path)) deleted++;
    } catch (error) {
      failures.push(`${what}: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  if (writes.fixtures.length > 0) {
    const mapper = await ResourceMapper.load(client).catch(() => undefined);
    // Contents before their containers: namespaced objects, cluster-scoped ones, Namespaces, then CRDs.
    for (const group of deletionOrder(writes.fixtures)) {
      await forEachLimit(group, async (ref) => {
        const path = mapper && pathOf(mapper, ref);
        if (path) await remove(path, describe(ref));
      });
    }
  }
  if (writes.markers) deleted += await removeMarkers(client, runId, failures);
  for (const failure of failures) logger.warn(`could not remove ${failure}`);
  return `removed ${deleted} object${deleted === 1 ? '' : 's'} kdrill wrote${failures.length ? `; ${failures.length} left (see the log)` : ''}`;
}

/** This run's marker ConfigMaps, then the marker namespace once no other run's markers are in it. */
async function removeMarkers(client: KubeClient, runId: string, failures: string[]): Promise<number> {
  const base = `/api/v1/namespaces/${MARKER_NAMESPACE}/configmaps`;
  let deleted = 0;
  try {
    const ours = await client.listAll(base, { labelSelector: `${RUN_ID_LABEL}=${runId}` });
    for (const cm of ours.items) if (await client.delete(`${base}/${cm.metadata.name}`)) deleted++;
    const others = await client.listAll(base, { labelSelector: 'kdrill.dev/marker=true' });
    if (others.items.length === 0 && (await client.delete(`/api/v1/namespaces/${MARKER_NAMESPACE}`))) deleted++;
  } catch (error) {
    if (!isNotFound(error)) failures.push(`namespace ${MARKER_NAMESPACE}: ${(error as Error).message.split('\n')[0]}`);
  }
  return deleted;
}

function deletionOrder(refs: ObjectRef[]): ObjectRef[][] {
  const rank = (r: ObjectRef) => (r.kind === 'CustomResourceDefinition' ? 3 : r.kind === 'Namespace' ? 2 : r.namespace ? 0 : 1);
  return [0, 1, 2, 3].map((n) => refs.filter((r) => rank(r) === n)).filter((g) => g.length > 0);
}

function pathOf(mapper: ResourceMapper, o: ObjectRef | KubeObject): string | undefined {
  const ref = 'metadata' in o ? { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace } : o;
  // A kind the cluster does not serve (its CRD is seeded, or already gone) has no object to find.
  const resource = mapper.lookup(ref.apiVersion, ref.kind);
  if (!resource) return undefined;
  return objectPath(ref.apiVersion, resource.name, ref.name, resource.namespaced ? (ref.namespace ?? 'default') : undefined);
}

function describe(o: ObjectRef | KubeObject): string {
  const name = 'metadata' in o ? o.metadata.name : o.name;
  const namespace = 'metadata' in o ? o.metadata.namespace : o.namespace;
  return `${o.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

async function forEachLimit<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLELISM, items.length) }, worker));
}
