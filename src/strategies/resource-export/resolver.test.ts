import { describe, expect, it } from 'vitest';
import { KdrillError } from '../../core/errors.js';
import { Resolver } from './resolver.js';

/** Discovery documents of a cluster that serves Widgets only after `widgetsAfter` loads; counts discovery reads. */
function fakeDiscovery(widgetsAfter: number, failFirst = 0) {
  let loads = 0;
  let failures = failFirst;
  const core = { groupVersion: 'v1', resources: [{ name: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['get'] }] };
  const widgets = { groupVersion: 'example.com/v1', resources: [{ name: 'widgets', kind: 'Widget', namespaced: true, verbs: ['get'] }, { name: 'widgets/status', kind: 'Widget', namespaced: true, verbs: ['get'] }] };
  const client = {
    get: async <T>(path: string): Promise<T> => {
      if (path !== '/apis') throw new Error(path);
      if (failures > 0) {
        failures--;
        throw new KdrillError('E_KUBE_API', 'cannot reach the apiserver');
      }
      loads++;
      const groups = loads > widgetsAfter ? [{ name: 'example.com', preferredVersion: { version: 'v1' }, versions: [{ groupVersion: 'example.com/v1', version: 'v1' }] }] : [];
      return { groups } as T;
    },
    getOptional: async <T>(path: string): Promise<T | undefined> => (path === '/api/v1' ? core : path === '/apis/example.com/v1' ? widgets : undefined) as T | undefined,
  };
  let now = 0;
  // Every clock read moves a second on, so the resolver reloads instead of pausing.
  const policy = { deadline: Number.MAX_SAFE_INTEGER, now: () => (now += 1_000), sleep: async () => undefined };
  return { client, policy, loads: () => loads };
}

describe('Resolver', () => {
  it('finds a kind that appears after a reload (a CRD established a moment ago) with its subresources', async () => {
    const fake = fakeDiscovery(2);
    const resolver = new Resolver(fake.client, fake.policy);
    const widget = await resolver.resolve('example.com/v1', 'Widget');
    expect(widget).toMatchObject({ name: 'widgets', namespaced: true, subresources: ['status'] });
    expect(fake.loads()).toBe(3);
  });

  it('gives up on a kind after a few reloads and does not look for it again until refresh', async () => {
    const fake = fakeDiscovery(Infinity);
    const resolver = new Resolver(fake.client, fake.policy);
    expect(await resolver.resolve('example.com/v1', 'Widget')).toBeUndefined();
    const loads = fake.loads();
    expect(await resolver.resolve('example.com/v1', 'Widget')).toBeUndefined();
    expect(fake.loads()).toBe(loads);
    await resolver.refresh();
    expect(fake.loads()).toBe(loads + 1);
  });

  it('retries discovery while the apiserver cannot be reached', async () => {
    const fake = fakeDiscovery(0, 2);
    const resolver = new Resolver(fake.client, fake.policy);
    expect(await resolver.resolve('v1', 'Namespace')).toMatchObject({ name: 'namespaces' });
  });
});
