import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../kube/client.js';
import { KubeApiError } from '../../kube/errors.js';
import { outcome } from '../api-health.js';
import { checkDiscovery } from './discovery-health.js';
import { probeNamespace } from './probe.js';
import { labelValue, latencyStats, parseReadyz } from './readyz.js';

const READY = '[+]ping ok\n[+]etcd ok\n[+]poststarthook/crd-informer-synced ok\nreadyz check passed\n';
const NOT_READY = '[+]ping ok\n[-]etcd failed: reason withheld\n[+]log ok\nreadyz check failed\n';

describe('parseReadyz', () => {
  it('counts passing checks and names failing ones', () => {
    expect(parseReadyz(200, READY)).toEqual({ ok: true, httpStatus: 200, failed: [], passed: 3 });
    expect(parseReadyz(500, NOT_READY)).toEqual({ ok: false, httpStatus: 500, failed: ['etcd: failed: reason withheld'], passed: 2 });
    expect(parseReadyz(503, '').ok).toBe(false);
  });

  it('makes label values and latency stats', () => {
    expect(labelValue('run 2024-05-01T10:00:00Z/#1!')).toBe('run-2024-05-01T10-00-00Z-1');
    expect(labelValue('x'.repeat(80))).toHaveLength(63);
    expect(latencyStats([30, 10, 20, 40])).toEqual({ p50: 20, max: 40 });
    expect(latencyStats([])).toEqual({ p50: 0, max: 0 });
  });
});

describe('probeNamespace', () => {
  function fake(failOn?: 'create' | 'read' | 'delete') {
    const stored = new Map<string, Record<string, unknown>>();
    const log: string[] = [];
    const err = (m: string, p: string) => new KubeApiError(m, p, 403, 'Forbidden', 'denied');
    const client = {
      create: async (path: string, body: { metadata: { name: string } }) => {
        log.push(`create ${path}`);
        if (failOn === 'create') throw err('POST', path);
        stored.set(body.metadata.name, body);
      },
      get: async (path: string) => {
        log.push('get');
        if (failOn === 'read') throw err('GET', path);
        return stored.get(path.split('/').pop()!);
      },
      delete: async (path: string) => {
        log.push('delete');
        if (failOn === 'delete') throw err('DELETE', path);
        return stored.delete(path.split('/').pop()!);
      },
    } as unknown as KubeClient;
    return { client, stored, log };
  }

  it('creates a labelled ConfigMap, reads it back and deletes it', async () => {
    const { client, stored, log } = fake();
    let t = 0;
    const r = await probeNamespace(client, 'shop', 'run/42', () => (t += 5));
    expect(r).toEqual({ ms: 5 });
    expect(log).toEqual(['create /api/v1/namespaces/shop/configmaps', 'get', 'delete']);
    expect(stored.size).toBe(0);
  });

  it('names the failing step and still deletes after a failed read', async () => {
    for (const step of ['create', 'read', 'delete'] as const) {
      const { client, log } = fake(step);
      const r = await probeNamespace(client, 'shop', 'run', () => 0);
      expect(r.failure).toMatchObject({ namespace: 'shop', step });
      expect(r.failure?.error).toContain('403 Forbidden');
      if (step !== 'create') expect(log).toContain('delete');
    }
  });
});

describe('checkDiscovery and outcome', () => {
  it('lists the group versions that fail', async () => {
    const client = {
      get: async (path: string) => {
        if (path === '/apis') return { groups: [{ name: 'metrics.k8s.io', versions: [{ groupVersion: 'metrics.k8s.io/v1beta1' }] }, { name: 'apps', versions: [{ groupVersion: 'apps/v1' }] }] };
        if (path.includes('metrics')) throw new KubeApiError('GET', path, 503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
        return { resources: [] };
      },
    } as unknown as KubeClient;
    const d = await checkDiscovery(client);
    expect(d.groupVersions).toBe(3);
    expect(d.failures.map((f) => f.groupVersion)).toEqual(['metrics.k8s.io/v1beta1']);
    const scope = { probe: ['a', 'b'], absent: [], terminating: [], leftOut: 0 };
    const ok = outcome({ readyz: parseReadyz(200, READY), discovery: { groupVersions: 3, failures: [] }, failures: [], scope, latency: { p50: 1, max: 2 } });
    expect(ok.status).toBe('passed');
    const bad = outcome({
      readyz: parseReadyz(500, NOT_READY),
      discovery: d,
      failures: [{ namespace: 'b', step: 'create', error: 'x' }],
      scope,
      latency: { p50: 1, max: 2 },
    });
    expect(bad.status).toBe('failed');
    expect(bad.summary).toBe('/readyz answered 500 (failing: etcd: failed: reason withheld); discovery fails for metrics.k8s.io/v1beta1; probe failed in b (create)');
  });
});
