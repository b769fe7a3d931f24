import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/types.js';
import { maskSecretData, normalizeObject, objectKey, runHashKey } from './normalize.js';

const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'app',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2024-01-01T00:00:00Z',
    managedFields: [{ manager: 'kubectl' }],
    selfLink: '/api/v1/namespaces/shop/configmaps/app',
    deletionGracePeriodSeconds: 30,
    labels: { app: 'shop' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{}}', team: 'a' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'owner-uid', controller: true }],
  },
  data: { k: 'v' },
};

describe('normalizeObject', () => {
  it('strips server-populated metadata and owner uids but keeps user fields', () => {
    const out = normalizeObject(configMap);
    expect(out.metadata).toEqual({
      name: 'app',
      namespace: 'shop',
      labels: { app: 'shop' },
      annotations: { team: 'a' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }],
    });
    expect(out.data).toEqual({ k: 'v' });
    expect(configMap.metadata.uid).toBe('u-1');
  });

  it('drops status unless asked to keep it, and empty annotation maps', () => {
    const cr = { ...configMap, kind: 'Widget', apiVersion: 'x.io/v1', status: { ready: true } } as KubeObject;
    cr.metadata = { name: 'w', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } };
    expect(normalizeObject(cr)).toEqual({ apiVersion: 'x.io/v1', kind: 'Widget', metadata: { name: 'w' }, data: { k: 'v' } });
    expect(normalizeObject(cr, { keepStatus: true }).status).toEqual({ ready: true });
  });

  it('removes node ports but keeps cluster IPs: a restore that loses a pinned IP (kube-dns) is a difference', () => {
    const svc = (clusterIP: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { clusterIP, clusterIPs: [clusterIP], ports: [{ port: 80, nodePort: 30080 }] },
    });
    expect(normalizeObject(svc('10.0.0.7')).spec).toEqual({ clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7'], ports: [{ port: 80 }] });
    expect(normalizeObject(svc('None')).spec).toEqual({ clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80 }] });
  });

  it('drops computed rules of aggregated ClusterRoles and Job uid labels', () => {
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, aggregationRule: {}, rules: [1] };
    expect(normalizeObject(role as KubeObject).rules).toBeUndefined();
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', labels: { 'controller-uid': 'x', app: 'a' } },
      spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'x' } }, template: { metadata: { labels: { 'controller-uid': 'x' } } } },
    };
    const out = normalizeObject(job as KubeObject);
    expect(out.metadata.labels).toEqual({ app: 'a' });
    expect(out.spec).toEqual({ selector: { matchLabels: {} }, template: { metadata: { labels: {} } } });
  });
});

describe('maskSecretData', () => {
  const secret: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'hunter2-plain' } },
    data: { password: Buffer.from('hunter2-plain').toString('base64'), other: Buffer.from('x').toString('base64') },
    stringData: { password: 'hunter2-plain' },
  };

  it('replaces every value by an hmac prefix that never contains the value', () => {
    const out = maskSecretData(secret, 'k1');
    const data = out.data as Record<string, string>;
    expect(data.password).toMatch(/^hmac:[0-9a-f]{16}$/);
    expect(data.other).not.toBe(data.password);
    // data is hashed decoded, stringData as text: the same value masks the same.
    expect((out.stringData as Record<string, string>).password).toBe(data.password);
    expect(JSON.stringify(out)).not.toContain('hunter2');
    expect(JSON.stringify(out)).not.toContain(Buffer.from('hunter2-plain').toString('base64'));
  });

  it('depends on the key and leaves other kinds alone', () => {
    const a = (maskSecretData(secret, 'k1').data as Record<string, string>).password;
    const b = (maskSecretData(secret, 'k2').data as Record<string, string>).password;
    expect(a).not.toBe(b);
    expect(maskSecretData(configMap, 'k1')).toBe(configMap);
  });
});

describe('objectKey and runHashKey', () => {
  it('builds group/kind/namespace/name with empty core group and cluster scope', () => {
    expect(objectKey(configMap)).toBe('/ConfigMap/shop/app');
    expect(objectKey({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n' } })).toBe('apps/Deployment/n/d');
    expect(objectKey({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'a.b' } })).toBe(
      'apiextensions.k8s.io/CustomResourceDefinition//a.b',
    );
  });

  it('keeps one random key per context', () => {
    const facts = new Map<string, unknown>();
    const key = runHashKey({ facts });
    expect(key.length).toBe(32);
    expect(runHashKey({ facts })).toBe(key);
    expect(runHashKey({ facts: new Map() }).equals(key)).toBe(false);
  });
});
