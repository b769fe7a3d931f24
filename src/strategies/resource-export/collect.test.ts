import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../kube/errors.js';
import type { KubeClient } from '../../kube/client.js';
import type { KubeList, KubeObject } from '../../kube/types.js';
import type { ArtifactEntry, BackupWriter } from '../../store/types.js';
import { storeFixture } from '../../store/fixtures/store-fixture.js';
import { createLocalStore } from '../../store/local-store.js';
import { exportResources } from './collect.js';
import { backupOptions } from './options.js';
import type { SelectedResource } from './resources.js';

const configmaps: SelectedResource = { group: '', version: 'v1', name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: [], subresources: [], custom: false };
const cm = (namespace: string, name: string): KubeObject => ({ metadata: { namespace, name } }) as KubeObject;
const page = (items: KubeObject[], next?: string): KubeList => ({ apiVersion: 'v1', kind: 'ConfigMapList', metadata: next ? { continue: next } : {}, items });

/** A writer that keeps what each artifact's stream produced (consumed as a store would). */
function memoryWriter(): BackupWriter & { stored: Map<string, string> } {
  const stored = new Map<string, string>();
  return {
    id: 'b',
    stored,
    async putStream(name, body) {
      const chunks: Buffer[] = [];
      await pipeline(body, new Writable({ write: (chunk: Buffer, _e, done) => (chunks.push(chunk), done()) }));
      stored.set(name, Buffer.concat(chunks).toString());
      return { name } as ArtifactEntry;
    },
    put: async () => ({}) as ArtifactEntry,
    putFile: async () => ({}) as ArtifactEntry,
    commit: async () => ({}) as never,
    abort: async () => undefined,
  };
}

describe('exportResources', () => {
  it('streams every page into one JSON array per type, with apiVersion and kind, and counts namespaces', async () => {
    const client = {
      get: async () => ({ gitVersion: 'v1.34.1' }),
      async *pages() {
        yield page([cm('a', 'one'), cm('b', 'two')], 'next');
        yield page([]);
        yield page([cm('b', 'three')]);
      },
    } as unknown as KubeClient;
    const writer = memoryWriter();
    const exported = await exportResources(client, [configmaps], backupOptions({}), writer);
    const stored = JSON.parse(writer.stored.get('resources/core/v1/configmaps.json')!) as KubeObject[];
    expect(stored.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['v1 ConfigMap a/one', 'v1 ConfigMap b/two', 'v1 ConfigMap b/three']);
    expect(exported.resources.map((r) => [r.artifact, r.count, r.sealed])).toEqual([['resources/core/v1/configmaps.json', 3, false]]);
    expect([...exported.namespaces].sort()).toEqual(['a', 'b']);
  });

  it('starts a type again, artifact and counts included, when its continue token expired (410)', async () => {
    let lists = 0;
    const client = {
      get: async () => ({ gitVersion: 'v1.34.1' }),
      async *pages() {
        const attempt = ++lists;
        yield page([cm('a', `first-${attempt}`)], 'next');
        if (attempt === 1) throw new KubeApiError('GET', '/api/v1/configmaps', 410, 'Expired', 'continue token expired');
        yield page([cm('a', 'second')]);
      },
    } as unknown as KubeClient;
    // The real local store: the failed stream's name is freed and its half-written file removed.
    const fx = await storeFixture();
    try {
      const store = createLocalStore({ root: fx.root, keys: fx.keys, audit: fx.audit });
      const writer = await store.create({ strategy: 'resource-export', cluster: { name: 'c', provider: 'local', kubernetesVersion: 'v1.34.1' } });
      const exported = await exportResources(client, [configmaps], backupOptions({}), writer);
      const manifest = await writer.commit({});
      const stored = await (await store.open(manifest.id)).get('resources/core/v1/configmaps.json');
      expect((JSON.parse(stored.toString()) as KubeObject[]).map((o) => o.metadata.name)).toEqual(['first-2', 'second']);
      expect(exported.resources[0]!.count).toBe(2);
      expect(await readdir(join(fx.root, manifest.id), { recursive: true })).not.toContainEqual(expect.stringMatching(/tmp|partial/));
    } finally {
      await fx.cleanup();
    }
  });
});
