import { describe, expect, it } from 'vitest';
import { KubeApiError } from '../../kube/errors.js';
import type { ApiResource, KubeList, KubeObject } from '../../kube/types.js';
import { applyObjects, type ApiClient, type ApplyEnv } from './apply.js';
import type { IndexedResource } from './layout.js';
import { listLive } from './live.js';
import { NoteBook } from './notes.js';
import { restoreOptions } from './options.js';
import { buildPlan, type PlanStep } from './plan.js';
import { existingConflicts, noteFinalizers } from './preflight.js';

/** An in-memory apiserver: objects by URL path, server-side apply as a shallow merge, a write counter. */
class FakeApi implements ApiClient {
  readonly objects = new Map<string, KubeObject>();
  writes = 0;
  posts = 0;
  private nextUid = 0;
  /** Paths whose next apply answers 422 "field is immutable". */
  readonly immutable = new Set<string>();

  async get<T>(path: string): Promise<T> {
    const found = this.objects.get(path);
    if (!found) throw new KubeApiError('GET', path, 404, 'NotFound', 'not found');
    return structuredClone(found) as T;
  }
  async getOptional<T>(path: string): Promise<T | undefined> {
    return this.objects.has(path) ? this.get<T>(path) : undefined;
  }
  async listAll(path: string): Promise<KubeList> {
    const items = [...this.objects].filter(([p]) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/')).map(([, o]) => structuredClone(o));
    return { apiVersion: 'v1', kind: 'List', metadata: {}, items };
  }
  async apply<T>(path: string, body: unknown, options: { dryRun?: boolean } = {}): Promise<T> {
    const desired = structuredClone(body) as KubeObject;
    if (path.endsWith('/status')) {
      const target = this.objects.get(path.slice(0, -'/status'.length))!;
      if (!options.dryRun) {
        this.writes++;
        target.status = desired.status;
      }
      return structuredClone(target) as T;
    }
    const live = this.objects.get(path);
    if (live && this.immutable.delete(path)) throw new KubeApiError('PATCH', path, 422, 'Invalid', 'roleRef: Invalid value: field is immutable');
    const uid = live?.metadata.uid ?? `new-${++this.nextUid}`;
    const merged = { ...live, ...desired, metadata: { ...live?.metadata, ...desired.metadata, uid } } as KubeObject;
    if (!options.dryRun) {
      this.writes++;
      this.objects.set(path, merged);
    }
    return structuredClone(merged) as T;
  }
  /** Only POST (create) is used by the restore. */
  async request<T>(method: string, collection: string, options: { body?: unknown } = {}): Promise<T> {
    const desired = options.body as KubeObject;
    const path = `${collection}/${desired.metadata.name}`;
    if (method !== 'POST') throw new Error(`unexpected ${method}`);
    this.posts++;
    if (this.objects.has(path)) throw new KubeApiError('POST', collection, 409, 'AlreadyExists', 'already exists');
    return this.apply<T>(path, desired);
  }
  async delete(path: string): Promise<boolean> {
    this.writes++;
    return this.objects.delete(path);
  }
}

const served: Record<string, ApiResource> = {
  'v1|ConfigMap': { group: '', version: 'v1', name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: [], subresources: [] },
  'example.com/v1|Widget': { group: 'example.com', version: 'v1', name: 'widgets', kind: 'Widget', namespaced: true, verbs: [], subresources: ['status'] },
};
const entry = (r: ApiResource, custom: boolean): IndexedResource => ({
  group: r.group, version: r.version, resource: r.name, kind: r.kind, namespaced: true, custom, statusSubresource: custom,
  artifact: 'x', sealed: false, count: 0,
});
const cm = (name: string, data: Record<string, string>, owner?: string): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', data,
  metadata: { name, namespace: 'app', uid: `old-${name}`, resourceVersion: '1', ...(owner ? { ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: owner, uid: `old-${owner}` }] } : {}) },
});
const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'app', uid: 'old-w' }, spec: { size: 2 }, status: { ready: true } };

function setup(options: Record<string, unknown> = {}, api = new FakeApi()) {
  const notes = new NoteBook();
  const steps = buildPlan(
    [
      { entry: entry(served['v1|ConfigMap']!, false), items: [cm('plain', { a: '1' }), cm('owned', { b: '2' }, 'w')] },
      { entry: entry(served['example.com/v1|Widget']!, true), items: [widget] },
    ],
    { keepNodePorts: false, namespaceMap: {} },
    notes,
  );
  const env: ApplyEnv = {
    client: api,
    resolver: { resolve: async (apiVersion, kind) => served[`${apiVersion}|${kind}`], refresh: async () => undefined },
    options: restoreOptions(options),
    sanitize: { keepNodePorts: false, namespaceMap: {} },
    policy: { deadline: Date.now() + 5_000, now: Date.now },
    newUids: new Map(),
    notes,
    entries: [],
    assertMayDelete: () => undefined,
  };
  const run = async () => {
    const totals: Record<string, number> = {};
    for (const step of steps) {
      const counts = await applyObjects(step.objects, await listLive(api, env.resolver, step.objects, env.policy), env);
      for (const [k, v] of Object.entries(counts)) totals[k] = (totals[k] ?? 0) + v;
    }
    return totals;
  };
  return { api, env, steps, run };
}
const CM = '/api/v1/namespaces/app/configmaps';
const WIDGET = '/apis/example.com/v1/namespaces/app/widgets/w';

describe('applyObjects', () => {
  it('creates everything, rewrites owner uids to the restored owner, and sends CR status through /status', async () => {
    const { api, run, steps } = setup();
    expect(steps.map((s: PlanStep) => `${s.tier}/${s.level}`)).toEqual(['config/0', 'custom-resources/0', 'custom-resources/1']);
    expect(await run()).toMatchObject({ created: 3, unchanged: 0, failed: 0 });
    const newWidgetUid = api.objects.get(WIDGET)!.metadata.uid;
    expect(api.objects.get(`${CM}/owned`)!.metadata.ownerReferences).toEqual([{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: newWidgetUid }]);
    expect(api.objects.get(WIDGET)!.status).toEqual({ ready: true });
    expect(api.objects.get(`${CM}/plain`)!.metadata.resourceVersion).toBeUndefined();
    expect(api.writes).toBe(4);
  });

  it('makes zero writes when run again, and one write for the one object that drifted', async () => {
    const { api, run } = setup();
    await run();
    const writes = api.writes;
    expect(await run()).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    expect(api.writes).toBe(writes);
    api.objects.get(`${CM}/plain`)!.data = { a: 'tampered' };
    expect(await run()).toMatchObject({ updated: 1, unchanged: 2 });
    expect(api.objects.get(`${CM}/plain`)!.data).toEqual({ a: '1' });
    expect(api.writes).toBe(writes + 1);
  });

  it('creates missing objects with POST, and applies when one appeared after the LIST (409)', async () => {
    const { api, steps, env } = setup();
    const config = steps[0]!;
    const live = await listLive(api, env.resolver, config.objects, env.policy);
    await api.apply(`${CM}/plain`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain', namespace: 'app' }, data: { a: 'raced' } });
    expect(config.objects.map((o) => o.head.metadata.name)).toEqual(['plain']);
    expect(await applyObjects(config.objects, live, env)).toMatchObject({ created: 1, failed: 0 });
    expect(api.posts).toBe(1);
    expect(api.objects.get(`${CM}/plain`)!.data).toEqual({ a: '1' });
  });

  it('existing: skip leaves a differing object alone', async () => {
    const { api, run } = setup({ existing: 'skip' });
    await run();
    api.objects.get(`${CM}/plain`)!.data = { a: 'mine' };
    const writes = api.writes;
    expect(await run()).toMatchObject({ skipped: 1, unchanged: 2 });
    expect(api.writes).toBe(writes);
  });

  it('deletes and recreates an object whose change hits an immutable field, and says so', async () => {
    const { api, run, env } = setup();
    await run();
    api.objects.get(`${CM}/plain`)!.data = { a: 'other' };
    api.immutable.add(`${CM}/plain`);
    const oldUid = api.objects.get(`${CM}/plain`)!.metadata.uid;
    expect(await run()).toMatchObject({ recreated: 1, unchanged: 2, failed: 0 });
    expect(api.objects.get(`${CM}/plain`)!.metadata.uid).not.toBe(oldUid);
    expect(env.notes.render().join('\n')).toMatch(/recreated .*: 1 \(ConfigMap app\/plain: 422 Invalid: roleRef: Invalid value: field is immutable\)/);
  });

  it('counts an object whose kind the cluster does not serve as failed, drops it as owner, and keeps going', async () => {
    const { run, env } = setup();
    env.resolver = { resolve: async (apiVersion, kind) => (kind === 'Widget' ? undefined : served[`${apiVersion}|${kind}`]), refresh: async () => undefined };
    expect(await run()).toMatchObject({ created: 2, failed: 1 });
    const notes = env.notes.render().join('\n');
    expect(notes).toContain('failed: 1 (Widget app/w: example.com/v1 Widget is not served by the target cluster');
    expect(notes).toContain('owner references dropped (owner failed to restore): 1 (ConfigMap app/owned)');
  });

  it('dry run writes nothing and plans create / update / unchanged using the server dry run', async () => {
    const { api, run } = setup();
    await run();
    api.objects.get(`${CM}/plain`)!.data = { a: 'drift' };
    api.objects.delete(`${CM}/owned`);
    const writes = api.writes;
    const dry = setup({ dryRun: true }, api);
    expect(await dry.run()).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    expect(api.writes).toBe(writes);
    expect(dry.env.entries.map((e) => `${e.action} ${e.object}`).sort()).toEqual(['create ConfigMap app/owned', 'unchanged Widget app/w', 'update ConfigMap app/plain']);
  });
});

describe('existingConflicts and noteFinalizers', () => {
  it('lists objects that exist and differ (owner uids aside), not the ones that match', async () => {
    const { api, run, steps, env } = setup();
    await run();
    expect(await existingConflicts(steps, env)).toEqual([]);
    api.objects.get(`${CM}/plain`)!.data = { a: 'changed' };
    expect(await existingConflicts(steps, env)).toEqual(['ConfigMap app/plain']);
  });

  it('warns about finalizers no built-in controller removes', () => {
    const { steps } = setup();
    steps[0]!.objects[0]!.original.metadata.finalizers = ['kubernetes.io/pvc-protection', 'example.com/cleanup'];
    const notes = new NoteBook();
    noteFinalizers(steps, notes);
    expect(notes.render()).toEqual(['finalizers kept that only their own controller removes: 1 (ConfigMap app/plain [example.com/cleanup])']);
  });
});
