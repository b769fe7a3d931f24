import { discoverResources, preferredGroupVersions } from '../src/kube/discovery.js';
import { collectionPath, joinApiVersion } from '../src/kube/paths.js';
import { mapLimit } from '../src/core/map-limit.js';
import { selectResources } from '../src/strategies/resource-export/resources.js';
import { LIST_PARALLELISM } from '../src/strategies/resource-export/collect.js';
import { backupOptions } from '../src/strategies/resource-export/options.js';
import { crdResourceKey } from '../src/strategies/resource-export/backup.js';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { KdrillError } from '../src/core/errors.js';
import type { KubeClient } from '../src/kube/client.js';
import type { KubeObject } from '../src/kube/types.js';

/** Label on every object the benchmark creates. */
export const BENCH_LABEL = 'kdrill.dev/bench';

/** `count` namespace names: bench-00, bench-01, ... */
export function benchNamespaces(count = 10): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(2, '0')}`);
}

/** `n` objects, alternately ConfigMaps and Secrets of about 1 KiB of JSON each, spread round-robin over `namespaces`. */
export function benchObjects(n: number, namespaces: readonly string[]): KubeObject[] {
  return Array.from({ length: n }, (_, i) => {
    const metadata = { name: `obj-${String(i).padStart(6, '0')}`, namespace: namespaces[i % namespaces.length]!, labels: { [BENCH_LABEL]: 'true', app: `app-${i % 37}` } };
    if (i % 2 === 0) {
      const properties = Array.from({ length: 16 }, (_, k) => `setting.${k}=${hex(38)}`).join('\n');
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { 'application.properties': properties, LOG_LEVEL: 'info' } };
    }
    const config = JSON.stringify({ endpoint: `https://db-${i % 13}.example.internal:5432`, pool: 10, token: hex(490) });
    const data = { username: b64(`user-${i}`), password: b64(hex(32)), 'config.json': b64(config) };
    return { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data };
  });
}

function hex(chars: number): string {
  return randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars);
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** Runs `work` on every item with at most `limit` in flight; rejects on the first failure. */
export async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** POSTs the namespaces, then every object with `parallelism` requests in flight: the raw-create baseline. */
export async function createObjects(client: KubeClient, namespaces: readonly string[], objects: readonly KubeObject[], parallelism: number): Promise<void> {
  await forEachLimit(namespaces, parallelism, (name) =>
    client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [BENCH_LABEL]: 'true' } } }),
  );
  await forEachLimit(objects, parallelism, (o) => client.create(`/api/v1/namespaces/${o.metadata.namespace}/${o.kind === 'Secret' ? 'secrets' : 'configmaps'}`, o));
}

/** One paginated LIST (500 per page) of all ConfigMaps and all Secrets, both at once: the raw-read baseline. */
export async function listObjects(client: KubeClient): Promise<number> {
  const lists = await Promise.all([client.listAll('/api/v1/configmaps'), client.listAll('/api/v1/secrets')]);
  return lists.reduce((n, l) => n + l.items.length, 0);
}

/** How many benchmark ConfigMaps and Secrets the cluster holds. */
export async function countBenchObjects(client: KubeClient): Promise<number> {
  const selector = { labelSelector: `${BENCH_LABEL}=true` };
  const lists = await Promise.all([client.listAll('/api/v1/configmaps', selector), client.listAll('/api/v1/secrets', selector)]);
  return lists.reduce((n, l) => n + l.items.length, 0);
}

/** Deletes the namespaces and waits until they are gone (the namespace controller deletes their content first). */
export async function deleteNamespaces(client: KubeClient, namespaces: readonly string[], timeoutMs = 10 * 60_000): Promise<void> {
  await Promise.all(namespaces.map((name) => client.delete(`/api/v1/namespaces/${name}`)));
  const deadline = Date.now() + timeoutMs;
  for (const name of namespaces) {
    while (await client.getOptional(`/api/v1/namespaces/${name}`)) {
      if (Date.now() > deadline) {
        throw new KdrillError('E_TIMEOUT', `namespace ${name} still exists ${timeoutMs / 1000} s after its deletion`, {
          hint: 'is the namespace controller running? see the kube-controller-manager log of the bench cluster',
        });
      }
      await sleep(250);
    }
  }
}

/** Mean size in bytes of the objects as sent (JSON). */
export function meanJsonBytes(objects: readonly KubeObject[]): number {
  return objects.length === 0 ? 0 : objects.reduce((n, o) => n + Buffer.byteLength(JSON.stringify(o)), 0) / objects.length;
}

/**
 * The fair baseline for a backup (issue 12): a raw paginated LIST of exactly the resource types resource-export
 * would export, at the same versions, with the same client and parallelism; returns how many objects came back.
 */
export async function listBackupTypes(client: KubeClient): Promise<number> {
  const [resources, preferred, crds] = await Promise.all([
    discoverResources(client),
    preferredGroupVersions(client),
    client.listAll('/apis/apiextensions.k8s.io/v1/customresourcedefinitions'),
  ]);
  const crdResources = new Set(crds.items.map(crdResourceKey));
  const { selected } = selectResources(resources, preferred, crdResources, backupOptions({}));
  const counts = await mapLimit(selected, LIST_PARALLELISM, async (r) => (await client.listAll(collectionPath(joinApiVersion(r.group, r.version), r.name))).items.length);
  return counts.reduce((a, b) => a + b, 0);
}
