import type { KubeClient } from '../../kube/client.js';
import { discoverResources, preferredGroupVersions } from '../../kube/discovery.js';
import { isNotFound } from '../../kube/errors.js';
import { collectionPath, joinApiVersion } from '../../kube/paths.js';
import type { ApiResource, KubeObject } from '../../kube/types.js';
import { mapLimit } from '../../core/map-limit.js';
import { matchesKind } from '../capture-skip.js';
import { objectKey } from '../normalize.js';
import { selectResources } from '../capture-state.js';

/** Where to look for writes: namespaces (default all, plus cluster-scoped objects) and kinds to leave out. */
export interface VersionScope {
  namespaces?: string[];
  ignoreKinds?: string[];
}

/** Every object in scope by key (`group/Kind/namespace/name`) with its resourceVersion, and the resources listed. */
export interface VersionSnapshot {
  versions: Map<string, string>;
  resources: ApiResource[];
}

/** An object a write touched between two snapshots, with the field manager of its newest managedFields entry. */
export interface ObjectWrite {
  key: string;
  change: 'created' | 'changed' | 'deleted';
  manager?: string;
}

/** The cluster's own controllers: their writes are the cluster settling, not the restore writing. */
const CLUSTER_MANAGERS = new Set(['kube-controller-manager', 'kube-apiserver', 'kube-scheduler', 'kubelet']);
const CONCURRENCY = 6;

/** resourceVersions of every listable object in scope (events, leases and endpoints left out: they churn by nature). */
export async function snapshotVersions(client: KubeClient, scope: VersionScope): Promise<VersionSnapshot> {
  const all = selectResources(await discoverResources(client), await preferredGroupVersions(client), { ...(scope.namespaces ? { namespaces: scope.namespaces } : {}) });
  const resources = all.filter((r) => !(scope.ignoreKinds ?? []).some((k) => matchesKind(r, k)));
  const versions = new Map<string, string>();
  await listEach(client, resources, scope, (obj) => versions.set(objectKey(obj), obj.metadata.resourceVersion ?? ''));
  return { versions, resources };
}

/**
 * Lists the same resources again and returns what changed against `before`: created, changed (another
 * resourceVersion) and deleted objects. Changes whose newest writer is one of the cluster's own controllers are
 * returned separately: they are the cluster settling (a namespace's kube-root-ca.crt), not the restore.
 */
export async function writesSince(client: KubeClient, before: VersionSnapshot, scope: VersionScope): Promise<{ writes: ObjectWrite[]; byCluster: ObjectWrite[] }> {
  // By key: a LIST that starts again (expired continue token) visits objects twice.
  const seen = new Map<string, ObjectWrite | undefined>();
  await listEach(client, before.resources, scope, (obj) => {
    const key = objectKey(obj);
    const old = before.versions.get(key);
    if (old === obj.metadata.resourceVersion) return void seen.set(key, undefined);
    const manager = newestManager(obj);
    seen.set(key, { key, change: old === undefined ? 'created' : 'changed', ...(manager ? { manager } : {}) });
  });
  const changed = [...seen.values()].filter((w): w is ObjectWrite => w !== undefined);
  const byClusterManager = (w: ObjectWrite) => w.manager !== undefined && CLUSTER_MANAGERS.has(w.manager);
  const writes = changed.filter((w) => !byClusterManager(w));
  const byCluster = changed.filter(byClusterManager);
  for (const key of before.versions.keys()) if (!seen.has(key)) writes.push({ key, change: 'deleted' });
  return { writes: writes.sort((a, b) => a.key.localeCompare(b.key)), byCluster };
}

/** Visits every object in scope a page at a time (a check of 50k objects holds one page per type, not the cluster). */
async function listEach(client: KubeClient, resources: ApiResource[], scope: VersionScope, visit: (obj: KubeObject) => void): Promise<void> {
  await mapLimit(resources, CONCURRENCY, async (r) => {
    const apiVersion = joinApiVersion(r.group, r.version);
    const namespaces = r.namespaced && scope.namespaces?.length ? scope.namespaces : [undefined];
    const isNamespaces = r.group === '' && r.name === 'namespaces';
    for (const ns of namespaces) {
      const visitPage = (items: KubeObject[]) => {
        for (const item of items) {
          if (isNamespaces && scope.namespaces?.length && !scope.namespaces.includes(item.metadata.name)) continue;
          visit({ ...item, apiVersion, kind: r.kind });
        }
      };
      await client.listEach(collectionPath(apiVersion, r.name, ns), {}, visitPage).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    }
  });
}

function newestManager(obj: KubeObject): string | undefined {
  const entries = (obj.metadata.managedFields ?? []) as { manager?: string; time?: string }[];
  let newest: { manager?: string; time?: string } | undefined;
  for (const e of entries) if (!newest || (e.time ?? '') >= (newest.time ?? '')) newest = e;
  return newest?.manager;
}
