import { describe, expect, it } from 'vitest';
import type { KubeList, KubeObject } from '../../kube/types.js';
import type { IndexedResource } from './layout.js';
import { forEachLiveBatch, liveBatches } from './live.js';
import type { PlannedObject } from './plan.js';

const resource = (r: string, kind: string): IndexedResource => ({
  group: '', version: 'v1', resource: r, kind, namespaced: true, custom: false, statusSubresource: false, artifact: 'x', sealed: false, count: 0,
});
const planned = (r: string, kind: string, namespace: string, name: string): PlannedObject => {
  const original: KubeObject = { apiVersion: 'v1', kind, metadata: { name, namespace } };
  return { key: `/${r}/${namespace}/${name}`, tier: 'config', level: 0, resource: resource(r, kind), head: original, owners: undefined, status: undefined, oldUid: undefined, owns: false, original };
};
const many = (r: string, kind: string, namespaces: number, perNamespace: number) =>
  Array.from({ length: namespaces * perNamespace }, (_, i) => planned(r, kind, `ns-${i % namespaces}`, `${r}-${i}`));
const list = (items: KubeObject[]): KubeList => ({ apiVersion: 'v1', kind: 'List', metadata: {}, items });
const summary = (objects: PlannedObject[]) => [...new Set(objects.map((o) => `${o.head.kind}@${o.head.metadata.namespace}`))].sort();

describe('liveBatches', () => {
  it('keeps small types whole and together, and splits a large type by namespace, never inside one', () => {
    const objects = [...many('configmaps', 'ConfigMap', 2, 3), ...many('secrets', 'Secret', 3, 4), ...many('services', 'Service', 1, 2)];
    const batches = liveBatches(objects, 10);
    expect(batches.map((b) => [b.partial, summary(b.objects)])).toEqual([
      [true, ['Secret@ns-0', 'Secret@ns-1']],
      [true, ['Secret@ns-2']],
      [false, ['ConfigMap@ns-0', 'ConfigMap@ns-1', 'Service@ns-0']],
    ]);
    expect(batches.flatMap((b) => b.objects)).toHaveLength(objects.length);
  });

  it('gives a namespace larger than the limit a batch of its own', () => {
    const batches = liveBatches(many('secrets', 'Secret', 2, 25), 10);
    expect(batches.map((b) => b.objects.length)).toEqual([25, 25]);
  });
});

describe('forEachLiveBatch', () => {
  const resolver = {
    resolve: async (_apiVersion: string, kind: string) => ({ group: '', version: 'v1', name: `${kind.toLowerCase()}s`, kind, namespaced: true, verbs: [], subresources: [] }),
    refresh: async () => undefined,
  };
  const policy = { deadline: Date.now() + 5_000, now: Date.now };

  it('visits each batch with only its live objects, listing a split type per namespace even past ten namespaces', async () => {
    const objects = many('secrets', 'Secret', 12, 300);
    const paths: string[] = [];
    const client = {
      listAll: async (path: string) => {
        paths.push(path);
        const namespace = /namespaces\/([^/]+)\//.exec(path)?.[1];
        return list(objects.filter((o) => o.head.metadata.namespace === namespace).slice(0, 2).map((o) => o.original));
      },
    };
    const seen: [number, number][] = [];
    await forEachLiveBatch(client, resolver, objects, policy, async (batch, live) => {
      expect([...live.keys()].every((key) => batch.some((o) => o.key === key))).toBe(true);
      seen.push([batch.length, live.size]);
    });
    expect(seen).toEqual([[1800, 12], [1800, 12]]);
    expect(paths.filter((p) => !p.includes('/namespaces/'))).toEqual([]);
    expect(new Set(paths).size).toBe(12);
  });

  it('stops at a failing batch and leaves no unhandled rejection from the next LIST', async () => {
    const objects = many('secrets', 'Secret', 2, 2500);
    let lists = 0;
    const client = { listAll: async () => (++lists > 1 ? Promise.reject(new Error('list failed')) : list([])) };
    const visited: number[] = [];
    await expect(
      forEachLiveBatch(client, resolver, objects, policy, async (batch) => {
        visited.push(batch.length);
        throw new Error('apply failed');
      }),
    ).rejects.toThrow('apply failed');
    expect(visited).toEqual([2500]);
  });
});
