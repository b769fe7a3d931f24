import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/types.js';
import { sanitize, type ResourceFacts } from './sanitize.js';

const facts = (group: string, resource: string, extra: Partial<ResourceFacts> = {}): ResourceFacts => ({
  group, resource, custom: false, statusSubresource: false, ...extra,
});
const options = { keepNodePorts: false, namespaceMap: {} };
const meta = {
  name: 'x', namespace: 'app', uid: 'u1', resourceVersion: '42', generation: 3, selfLink: '/x',
  creationTimestamp: '2026-01-01T00:00:00Z', deletionTimestamp: '2026-01-02T00:00:00Z', deletionGracePeriodSeconds: 30,
  managedFields: [{ manager: 'kubectl' }], labels: { app: 'x' }, finalizers: ['example.com/keep'],
};

describe('sanitize', () => {
  it('strips server-assigned metadata and status, keeps labels and finalizers, never mutates the input', () => {
    const input: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...meta }, data: { a: 'b' }, status: { x: 1 } };
    const before = structuredClone(input);
    const { desired, status } = sanitize(input, facts('', 'configmaps'), options);
    expect(desired).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'app', labels: { app: 'x' }, finalizers: ['example.com/keep'] }, data: { a: 'b' } });
    expect(status).toBeUndefined();
    expect(input).toEqual(before);
  });

  it('keeps status for /status only for custom resources whose CRD declares the subresource', () => {
    const cr: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, status: { ready: true } };
    expect(sanitize(cr, facts('example.com', 'widgets', { custom: true, statusSubresource: true }), options).status).toEqual({ ready: true });
    expect(sanitize(cr, facts('example.com', 'widgets', { custom: true }), options).status).toBeUndefined();
    const deploy = { ...cr, apiVersion: 'apps/v1', kind: 'Deployment' };
    expect(sanitize(deploy, facts('apps', 'deployments', { statusSubresource: true }), options).status).toBeUndefined();
  });

  it('keeps a Service clusterIP inside the target\'s ranges, drops and reports one outside or with no ranges known', () => {
    const svc = (clusterIPs: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'dns' }, spec: { clusterIP: clusterIPs[0], clusterIPs, ports: [{ port: 53 }] } });
    const ranges = { ...options, serviceCidrs: ['10.96.0.0/12', 'fd00:10:96::/108'] };
    expect(sanitize(svc(['10.96.0.10']), facts('', 'services'), ranges)).toMatchObject({ desired: { spec: { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] } } });
    expect(sanitize(svc(['10.96.0.10']), facts('', 'services'), ranges).droppedClusterIp).toBeUndefined();
    // Dual stack: a secondary IP outside the ranges is left to the target.
    expect(sanitize(svc(['10.96.0.10', 'fd00:99::a']), facts('', 'services'), ranges).desired.spec).toMatchObject({ clusterIPs: ['10.96.0.10'] });
    expect(sanitize(svc(['fd00:10:96::a']), facts('', 'services'), ranges).desired.spec).toMatchObject({ clusterIP: 'fd00:10:96::a' });
    const outside = sanitize(svc(['10.96.0.10']), facts('', 'services'), { ...options, serviceCidrs: ['10.0.0.0/24'] });
    expect(outside.desired.spec).toEqual({ ports: [{ port: 53 }] });
    expect(outside.droppedClusterIp).toBe('10.96.0.10');
    expect(sanitize(svc(['10.96.0.10']), facts('', 'services'), options).droppedClusterIp).toBe('10.96.0.10');
  });

  it('clears allocated Service IPs and node ports, unless headless or keepNodePorts', () => {
    const svc = (clusterIP: string): KubeObject => ({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 's' },
      spec: { type: 'NodePort', clusterIP, clusterIPs: [clusterIP], healthCheckNodePort: 31000, ports: [{ port: 80, nodePort: 30080 }] },
    });
    expect(sanitize(svc('10.0.0.7'), facts('', 'services'), options).desired.spec).toEqual({ type: 'NodePort', ports: [{ port: 80 }] });
    expect(sanitize(svc('None'), facts('', 'services'), options).desired.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
    const kept = sanitize(svc('10.0.0.7'), facts('', 'services'), { ...options, keepNodePorts: true }).desired.spec;
    expect(kept).toEqual({ type: 'NodePort', healthCheckNodePort: 31000, ports: [{ port: 80, nodePort: 30080 }] });
  });

  it('drops a Pod nodeName and ephemeral containers', () => {
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1', ephemeralContainers: [{}], containers: [{ name: 'c' }] } };
    expect(sanitize(pod, facts('', 'pods'), options).desired.spec).toEqual({ containers: [{ name: 'c' }] });
  });

  it('removes the controller-uid selector and labels of a Job so the server generates new ones', () => {
    const uid = { 'controller-uid': 'u', 'batch.kubernetes.io/controller-uid': 'u' };
    const job: KubeObject = {
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', labels: { ...uid, 'job-name': 'j' } },
      spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, template: { metadata: { labels: { ...uid, 'job-name': 'j' } } } },
    };
    const { desired } = sanitize(job, facts('batch', 'jobs'), options);
    expect(desired.metadata.labels).toEqual({ 'job-name': 'j' });
    expect(desired.spec).toEqual({ template: { metadata: { labels: { 'job-name': 'j' } } } });
    const manual = { ...job, spec: { ...(job.spec as object), manualSelector: true } };
    expect((sanitize(manual, facts('batch', 'jobs'), options).desired.spec as { selector?: unknown }).selector).toEqual({ matchLabels: {} });
  });

  it('empties a kept service-account token Secret of what the token controller fills in', () => {
    const secret: KubeObject = {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
      metadata: { name: 't', annotations: { 'kubernetes.io/service-account.name': 'sa', 'kubernetes.io/service-account.uid': 'old' } },
      data: { token: 'dG9r', 'ca.crt': 'Y2E=', namespace: 'YXBw', extra: 'eA==' },
    };
    const { desired } = sanitize(secret, facts('', 'secrets'), options);
    expect(desired.data).toEqual({ extra: 'eA==' });
    expect(desired.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'sa' });
    const opaque = { ...secret, type: 'Opaque' };
    expect(sanitize(opaque, facts('', 'secrets'), options).desired.data).toEqual(secret.data);
  });

  it('restores an aggregated ClusterRole as its aggregationRule, leaving the computed rules to the controller', () => {
    const role: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'agg' },
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'true' } }] }, rules: [{ verbs: ['get'] }],
    };
    expect(sanitize(role, facts('rbac.authorization.k8s.io', 'clusterroles'), options).desired).not.toHaveProperty('rules');
    const plain = { ...role, aggregationRule: undefined };
    expect(sanitize(plain, facts('rbac.authorization.k8s.io', 'clusterroles'), options).desired.rules).toEqual([{ verbs: ['get'] }]);
  });

  it('unbinds a PV claimRef from the old claim uid, and drops a Deployment revision annotation', () => {
    const pv: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv' }, spec: { claimRef: { name: 'c', namespace: 'app', uid: 'u', resourceVersion: '9' } } };
    expect(sanitize(pv, facts('', 'persistentvolumes'), options).desired.spec).toEqual({ claimRef: { name: 'c', namespace: 'app' } });
    const deploy: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', annotations: { 'deployment.kubernetes.io/revision': '4', keep: 'me' } } };
    expect(sanitize(deploy, facts('apps', 'deployments'), options).desired.metadata.annotations).toEqual({ keep: 'me' });
  });

  it('maps namespaces of objects, Namespace names and their name label, and RoleBinding subjects', () => {
    const map = { ...options, namespaceMap: { app: 'app-copy' } };
    const cm: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'app' } };
    expect(sanitize(cm, facts('', 'configmaps'), map).desired.metadata.namespace).toBe('app-copy');
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app', labels: { 'kubernetes.io/metadata.name': 'app' } } };
    expect(sanitize(ns, facts('', 'namespaces'), map).desired.metadata).toEqual({ name: 'app-copy', labels: { 'kubernetes.io/metadata.name': 'app-copy' } });
    const subjects = [{ kind: 'ServiceAccount', name: 'sa', namespace: 'app' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'other' }, { kind: 'User', name: 'u' }];
    const binding: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'b', namespace: 'app' }, subjects };
    expect(sanitize(binding, facts('rbac.authorization.k8s.io', 'rolebindings'), map).desired.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'sa', namespace: 'app-copy' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'other' }, { kind: 'User', name: 'u' },
    ]);
    // A ClusterRoleBinding is shared by every namespace: it is left as it was.
    const shared = { ...binding, kind: 'ClusterRoleBinding', metadata: { name: 'b' } };
    expect(sanitize(shared, facts('rbac.authorization.k8s.io', 'clusterrolebindings'), map).desired.subjects).toEqual(subjects);
  });
});
