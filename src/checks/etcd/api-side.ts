import { canonicalJson } from '../../audit/audit-log.js';
import { describeError } from '../../core/errors.js';
import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../kube/types.js';
import { mapLimit } from '../../core/map-limit.js';
import { digestSecret } from '../secrets/digests.js';
import { keyedHash } from '../secrets/hash.js';

/** A resource whose etcd keys are counted against what the apiserver lists. */
export interface CountedResource {
  /** `secrets`, `configmaps`, `widgets.example.com`. */
  id: string;
  listPath: string;
  /** Key prefix relative to the etcd root, e.g. `secrets/` or `example.com/widgets/`. */
  keyPrefix: string;
}

const CORE: readonly string[] = ['secrets', 'configmaps', 'serviceaccounts', 'namespaces'];

interface CrdJson {
  spec: { group: string; names: { plural: string }; versions: { name: string; served: boolean; storage: boolean }[] };
}

/** The core resources the check counts, plus every custom resource when `customResources` (CRDs that serve a version). */
export async function countedResources(client: KubeClient, customResources: boolean): Promise<CountedResource[]> {
  const core = CORE.map((r) => ({ id: r, listPath: `/api/v1/${r}`, keyPrefix: `${r}/` }));
  if (!customResources) return core;
  const crds = await client.listAll('/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
  const custom = (crds.items as unknown as CrdJson[]).flatMap(({ spec }) => {
    const version = spec.versions.find((v) => v.storage && v.served) ?? spec.versions.find((v) => v.served);
    if (!version) return [];
    return [{ id: `${spec.names.plural}.${spec.group}`, listPath: `/apis/${spec.group}/${version.name}/${spec.names.plural}`, keyPrefix: `${spec.group}/${spec.names.plural}/` }];
  });
  return [...core, ...custom.sort((a, b) => a.id.localeCompare(b.id))];
}

/** How many objects the apiserver lists per resource, or why the LIST failed (a Secret it cannot decrypt fails the whole list). */
export async function listCounts(client: KubeClient, resources: readonly CountedResource[]): Promise<Map<string, { listed?: number; error?: string }>> {
  const results = await mapLimit(resources, 4, async (r) => {
    try {
      return { listed: (await client.listAll(r.listPath)).items.length };
    } catch (error) {
      return { error: describeError(error).split('\n')[0]!.slice(0, 300) };
    }
  });
  return new Map(resources.map((r, i) => [r.id, results[i]!]));
}

/** Every Secret as `ns/name` → keyed fingerprint of its type and data (values registered as sensitive, never kept). */
export async function secretFingerprints(client: KubeClient, hashKey: Buffer): Promise<Record<string, string>> {
  const list = await client.listAll('/api/v1/secrets');
  return Object.fromEntries(list.items.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, fingerprint(s, hashKey)]));
}

/** GET each named Secret (`ns/name`): the ones the apiserver cannot serve, and the ones whose data differs from `baseline`. */
export async function readSecrets(
  client: KubeClient,
  names: readonly string[],
  baseline: Record<string, string> | undefined,
  hashKey: Buffer,
): Promise<{ readable: number; unreadable: { secret: string; error: string }[]; changed: string[] }> {
  const unreadable: { secret: string; error: string }[] = [];
  const changed: string[] = [];
  let readable = 0;
  await mapLimit(names, 8, async (name) => {
    const [namespace, secret] = name.split('/') as [string, string];
    try {
      const obj = await client.get<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(secret)}`);
      readable++;
      const before = baseline?.[name];
      if (before !== undefined && before !== fingerprint(obj, hashKey)) changed.push(name);
    } catch (error) {
      unreadable.push({ secret: name, error: describeError(error).split('\n')[0]!.slice(0, 300) });
    }
  });
  return { readable, unreadable: unreadable.sort((a, b) => a.secret.localeCompare(b.secret)), changed: changed.sort() };
}

/** Up to `max` names spread evenly over the sorted list (every one when there are fewer). */
export function spreadSample(names: readonly string[], max: number): string[] {
  const sorted = [...names].sort();
  if (sorted.length <= max) return sorted;
  const step = sorted.length / max;
  return Array.from({ length: max }, (_, i) => sorted[Math.floor(i * step)]!);
}

function fingerprint(secret: KubeObject, hashKey: Buffer): string {
  const digest = digestSecret(secret, hashKey);
  return keyedHash(hashKey, canonicalJson({ type: digest.type, keys: digest.keys }));
}
