import { describe, expect, it } from 'vitest';
import type { DrillContext } from '../contracts/types.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../kube/types.js';
import { stateDiff } from './state-diff.js';

/** A fake cluster with ConfigMaps and Secrets in one namespace; tests edit `objects` between baseline and verify. */
function fakeContext(objects: KubeObject[], sealKinds?: string[]): DrillContext {
  const client = {
    get: async () => ({ groups: [] }),
    getOptional: async () => ({
      groupVersion: 'v1',
      resources: [
        { name: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: ['get', 'list'] },
        { name: 'secrets', kind: 'Secret', namespaced: true, verbs: ['get', 'list'] },
      ],
    }),
    listEach: async (path: string, _options: unknown, visit: (items: KubeObject[]) => void) => visit(objects.filter((o) => path.endsWith(`/${o.kind.toLowerCase()}s`))),
  } as unknown as KubeClient;
  const scenario = { spec: { backup: { strategy: 'resource-export', ...(sealKinds ? { options: { sealKinds } } : {}) } } };
  return { client, facts: new Map(), scenario } as unknown as DrillContext;
}

const cm = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop', labels, resourceVersion: String(Math.random()) },
  data: { k: 'v' },
});
const secret = (value: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'db', namespace: 'shop' },
  type: 'Opaque',
  data: { password: Buffer.from(value).toString('base64') },
});

describe('state-diff check', () => {
  it('passes on an identical state and fails naming missing, changed and extra objects', async () => {
    const objects = [cm('a', { tier: 'db' }), cm('b'), secret('s3cr3t-value-1')];
    const ctx = fakeContext(objects);
    const baseline = await stateDiff.baseline!(ctx, {});
    const same = await stateDiff.verify(ctx, {}, baseline);
    expect(same.status).toBe('passed');
    expect(same.summary).toBe('all 3 baseline objects match (0 missing, 0 changed, 0 extra)');

    objects.splice(0, 3, cm('a', { tier: 'web' }), secret('s3cr3t-value-2'), cm('c'));
    const broken = await stateDiff.verify(ctx, {}, baseline);
    expect(broken.status).toBe('failed');
    expect(broken.summary).toBe('1 missing, 2 changed, 1 extra of 3 baseline objects');
    const ev = broken.evidence as { missing: { items: string[] }; changed: { items: { key: string; diff: string }[] } };
    expect(ev.missing.items).toEqual(['/ConfigMap/shop/b']);
    expect(ev.changed.items.map((c) => c.key)).toEqual(['/ConfigMap/shop/a', '/Secret/shop/db']);
    expect(ev.changed.items[1]!.diff).toMatch(/-\s+password: hmac:[0-9a-f]{16}\n\+\s+password: hmac:[0-9a-f]{16}/);
    const text = JSON.stringify(broken);
    for (const v of ['s3cr3t-value-1', 's3cr3t-value-2', Buffer.from('s3cr3t-value-2').toString('base64')]) expect(text).not.toContain(v);
    expect(broken.recommendation).toContain('/ConfigMap/shop/b');

    objects.splice(0, 3, cm('a', { tier: 'web' }), cm('b'), secret('s3cr3t-value-1'), cm('c'));
    const extra = await stateDiff.verify(ctx, { ignoreFields: ['ConfigMap:metadata.labels.tier'] }, baseline);
    expect([extra.status, extra.summary]).toEqual(['failed', '0 missing, 0 changed, 1 extra of 3 baseline objects']);
    const allowed = await stateDiff.verify(ctx, { allowExtra: true, ignoreFields: ['ConfigMap:metadata.labels.tier'] }, baseline);
    expect([allowed.status, allowed.summary]).toEqual(['passed', 'all 3 baseline objects match (0 missing, 0 changed, 1 extra)']);
  });

  it('masks every value of the kinds resource-export seals (sealKinds), not only Secrets, and says which', async () => {
    const config = (password: string): KubeObject => ({ ...cm('creds'), data: { password, port: '5432' } });
    const objects = [config('hunter2-old-value')];
    const ctx = fakeContext(objects, ['configmaps']);
    const baseline = await stateDiff.baseline!(ctx, {});
    objects.splice(0, 1, config('hunter2-new-value'));
    const outcome = await stateDiff.verify(ctx, {}, baseline);
    expect(outcome.status).toBe('failed');
    const ev = outcome.evidence as { changed: { items: { diff: string }[] }; maskedKinds: string[] };
    expect(ev.changed.items[0]!.diff).toMatch(/-\s+password: hmac:[0-9a-f]{16}\n\+\s+password: hmac:[0-9a-f]{16}/);
    expect(ev.maskedKinds).toEqual(['Secret', 'configmaps']);
    expect(JSON.stringify(outcome)).not.toMatch(/hunter2/);
    // The same change with nothing sealed shows the values, as it always did for unsealed kinds.
    const plain = fakeContext([config('visible-old')]);
    const plainBase = await stateDiff.baseline!(plain, {});
    const plainCtx = fakeContext([config('visible-new')]);
    plainCtx.facts = plain.facts;
    expect(JSON.stringify(await stateDiff.verify(plainCtx, {}, plainBase))).toContain('visible-new');
  });

  it('refuses to compare without a baseline', async () => {
    await expect(stateDiff.verify(fakeContext([]), {}, undefined)).rejects.toThrow(/no baseline/);
  });
});
