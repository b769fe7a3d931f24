import { loadBootstrapPolicy } from '../bootstrap/policy.js';
import { KdrillError } from '../core/errors.js';
import type { KubeClient } from '../kube/client.js';
import { discoverResources, preferredGroupVersions } from '../kube/discovery.js';
import { isNotFound } from '../kube/errors.js';
import { collectionPath, joinApiVersion } from '../kube/paths.js';
import type { ApiResource, KubeObject } from '../kube/types.js';
import { isCapturable, isSkippedObject, matchesKind } from './capture-skip.js';
import { mapLimit } from '../core/map-limit.js';
import { maskAllValues, maskSecretData, normalizeObject, objectKey } from './normalize.js';

/** Which objects a capture takes. Empty or absent fields select everything. */
export interface StateSelection {
  /** Namespaced objects only from these namespaces (plus the Namespace objects themselves); cluster-scoped kinds only when `kinds` names them. */
  namespaces?: string[];
  /** kubectl-style kind names: `ConfigMap`, `deployments.apps`. */
  kinds?: string[];
  excludeKinds?: string[];
  labelSelector?: string;
  /** Kinds whose every value is masked (besides Secrets, always masked), in `kinds` syntax. */
  maskKinds?: string[];
}

/** A capture: object key → normalized object with Secret values masked. */
export type CapturedState = Map<string, KubeObject>;

const CONCURRENCY = 6;

/**
 * List every selected object of every served resource (once per resource, at its group's preferred version), a page at
 * a time: only the normalized, masked capture is kept, never the raw lists.
 */
export async function captureState(client: KubeClient, selection: StateSelection, hashKey: Buffer | string): Promise<CapturedState> {
  const [all, preferred, policy] = await Promise.all([discoverResources(client), preferredGroupVersions(client), loadBootstrapPolicy(client)]);
  const resources = selectResources(all, preferred, selection);
  const captures = await mapLimit(resources, CONCURRENCY, async (resource) => {
    const captured: CapturedState = new Map();
    const keepStatus = !resource.subresources.includes('status');
    const maskAll = (selection.maskKinds ?? []).some((k) => matchesKind(resource, k));
    await listResource(client, resource, selection, (item) => {
      const obj = { ...item, apiVersion: joinApiVersion(resource.group, resource.version), kind: resource.kind };
      const key = objectKey(obj);
      if (isSkippedObject(obj, key, policy)) return;
      const normalized = normalizeObject(obj, { keepStatus });
      captured.set(key, maskAll ? maskAllValues(normalized, hashKey) : maskSecretData(normalized, hashKey));
    });
    return captured;
  });
  // In resource order, whatever order the LISTs finished in.
  return new Map(captures.flatMap((captured) => [...captured]));
}

/** The resources a selection covers: capturable, one version per group/resource, kind filters applied. */
export function selectResources(all: ApiResource[], preferred: Map<string, string>, selection: StateSelection): ApiResource[] {
  const chosen = new Map<string, ApiResource>();
  for (const r of all) {
    if (!isCapturable(r)) continue;
    const id = `${r.group}/${r.name}`;
    const current = chosen.get(id);
    if (!current || (current.version !== preferred.get(r.group) && r.version === preferred.get(r.group))) chosen.set(id, r);
  }
  const kinds = selection.kinds ?? [];
  const excluded = selection.excludeKinds ?? [];
  const scoped = (selection.namespaces?.length ?? 0) > 0;
  return [...chosen.values()].filter((r) => {
    if (excluded.some((k) => matchesKind(r, k))) return false;
    const named = kinds.some((k) => matchesKind(r, k));
    if (kinds.length > 0 && !named) return false;
    // With namespaces selected, cluster-scoped kinds come only when named, and Namespaces only the selected ones.
    if (scoped && r.group === '' && r.name === 'namespaces') return true;
    return !scoped || r.namespaced || named;
  });
}

async function listResource(client: KubeClient, resource: ApiResource, selection: StateSelection, visit: (item: KubeObject) => void): Promise<void> {
  const apiVersion = joinApiVersion(resource.group, resource.version);
  const scoped = selection.namespaces?.length ? selection.namespaces : undefined;
  const namespaces = resource.namespaced && scoped ? scoped : [undefined];
  const isNamespaceList = resource.group === '' && resource.name === 'namespaces';
  for (const ns of namespaces) {
    const path = collectionPath(apiVersion, resource.name, ns);
    try {
      // A LIST that starts again (expired continue token) visits objects twice: the capture is keyed, so that is harmless.
      await client.listEach(path, selection.labelSelector ? { labelSelector: selection.labelSelector } : {}, (items) => {
        for (const o of items) if (!scoped || !isNamespaceList || scoped.includes(o.metadata.name)) visit(o);
      });
    } catch (error) {
      // The resource or namespace went away between discovery and list (a CRD deleted by the drill): nothing to take.
      if (isNotFound(error)) continue;
      throw new KdrillError('E_KUBE_API', `cannot list ${path}: ${(error as Error).message}`, {
        hint: `exclude the resource with excludeKinds: [${resource.name}.${resource.group || 'core'}] or fix its API`,
        cause: error,
      });
    }
  }
}
