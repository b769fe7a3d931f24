import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/types.js';
import { canonicalItem } from './content.js';
import { apiserverDefault, policyRules, policySubjects } from './defaults.js';
import { describePolicy, policyFor, shippedMinors } from './policy.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const policy = policyFor('v1.37.2');

/** The policy's own object, as the apiserver would serve it. */
function bootstrapObject(kind: string, name: string, namespace?: string): KubeObject {
  const [content] = policy.variants(kind, namespace, name);
  if (!content) throw new Error(`no ${kind} ${name} in the 1.37 policy`);
  const { labels, ...rest } = structuredClone(content);
  return {
    apiVersion: RBAC,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), labels: labels ?? {}, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
    ...rest,
  };
}

/** The disguise the review planted: a system: name, the bootstrap label and the autoupdate annotation. */
const planted: KubeObject = {
  apiVersion: RBAC,
  kind: 'ClusterRoleBinding',
  metadata: {
    name: 'system:kube-dns-metrics',
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [
    { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' },
    { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:nodes' },
  ],
};

describe('bootstrap policy data', () => {
  it('ships 1.30 to 1.37 and falls back to the nearest minor, saying so', () => {
    expect(shippedMinors()).toEqual(['1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36', '1.37']);
    expect(policy).toMatchObject({ minor: '1.37', source: 'k8s.io/kubernetes v1.37.2 + k8s.io/apiserver v0.37.2' });
    expect(policy.fallback).toBeUndefined();
    expect(policyFor('v1.30.4+k3s1').minor).toBe('1.30');
    const newer = policyFor('v1.39.0');
    expect(newer.minor).toBe('1.37');
    expect(newer.fallback).toBe('no bootstrap policy shipped for Kubernetes 1.39: compared with 1.37, the nearest of 1.30-1.37');
    expect(describePolicy(newer)).toContain('for server v1.39.0; no bootstrap policy shipped');
    expect(policyFor('v1.28.15-eks-1').minor).toBe('1.30');
  });

  it('holds the policy of each minor, not one list for all', () => {
    // The endpoint controller's flow schema left the suggested APF configuration in 1.34.
    expect(policyFor('v1.33.0').variants('FlowSchema', undefined, 'endpoint-controller')).toHaveLength(1);
    expect(policyFor('v1.34.0').variants('FlowSchema', undefined, 'endpoint-controller')).toEqual([]);
    expect(policy.variants('ClusterRoleBinding', undefined, 'cluster-admin')).toHaveLength(1);
  });
});

describe('apiserverDefault: decided by content, never by name, label or annotation', () => {
  it('recognises the policy objects themselves', () => {
    for (const [kind, name, ns] of [
      ['ClusterRole', 'cluster-admin'],
      ['ClusterRole', 'admin'],
      ['ClusterRoleBinding', 'system:kube-scheduler'],
      ['ClusterRole', 'system:controller:namespace-controller'],
      ['Role', 'system:controller:bootstrap-signer', 'kube-public'],
      ['RoleBinding', 'system::leader-locking-kube-scheduler', 'kube-system'],
    ] as const) {
      expect(apiserverDefault(bootstrapObject(kind, name, ns), policy), `${kind} ${name}`).toBe('bootstrap-rbac');
    }
  });

  it('does not take a planted system: binding for bootstrap, whatever its labels and annotations', () => {
    expect(apiserverDefault(planted, policy)).toBeUndefined();
    // Even under a real bootstrap name, content decides: cluster-admin for system:nodes is not system:node-proxier.
    expect(apiserverDefault({ ...planted, metadata: { ...planted.metadata, name: 'system:node-proxier' } }, policy)).toBeUndefined();
  });

  it('an extra rule, subject or aggregation label makes a bootstrap object an ordinary one', () => {
    const role = bootstrapObject('ClusterRole', 'system:kube-scheduler');
    role.rules = [...(role.rules as unknown[]), { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }];
    expect(apiserverDefault(role, policy)).toBeUndefined();

    const binding = bootstrapObject('ClusterRoleBinding', 'system:kube-scheduler');
    binding.subjects = [...(binding.subjects as unknown[]), { kind: 'ServiceAccount', name: 'default', namespace: 'kube-system' }];
    expect(apiserverDefault(binding, policy)).toBeUndefined();

    const node = bootstrapObject('ClusterRole', 'system:node');
    node.metadata.labels = { ...node.metadata.labels, 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' };
    expect(apiserverDefault(node, policy)).toBeUndefined();

    const admin = bootstrapObject('ClusterRole', 'admin');
    admin.aggregationRule = { clusterRoleSelectors: [{ matchLabels: {} }] };
    expect(apiserverDefault(admin, policy)).toBeUndefined();
  });

  it('ignores the order of rules, verbs and subjects, and the apiserver\'s empty apiGroup on ServiceAccount subjects', () => {
    const role = bootstrapObject('ClusterRole', 'system:kube-scheduler');
    role.rules = [...(role.rules as { verbs: string[] }[])].reverse().map((r) => ({ ...r, verbs: [...r.verbs].reverse() }));
    expect(apiserverDefault(role, policy)).toBe('bootstrap-rbac');
    const binding = bootstrapObject('RoleBinding', 'system:controller:bootstrap-signer', 'kube-system');
    binding.subjects = (binding.subjects as object[]).map((s) => ({ apiGroup: '', ...s }));
    expect(apiserverDefault(binding, policy)).toBe('bootstrap-rbac');
  });

  it('takes APF objects by spec and APIServices by where they are served', () => {
    const [spec] = policy.variants('FlowSchema', undefined, 'exempt');
    const exempt: KubeObject = { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'exempt' }, spec: structuredClone(spec!.spec) };
    expect(apiserverDefault(exempt, policy)).toBe('apf-bootstrap');
    const starving = structuredClone(exempt);
    (starving.spec as { matchingPrecedence: number }).matchingPrecedence = 2;
    expect(apiserverDefault(starving, policy)).toBeUndefined();
    const fake = { ...exempt, metadata: { name: 'mine', annotations: { 'apf.kubernetes.io/autoupdate-spec': 'true' } } };
    expect(apiserverDefault(fake, policy)).toBeUndefined();

    const apiService = (service: unknown): KubeObject => ({
      apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.apps', labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } },
      spec: { group: 'apps', version: 'v1', service },
    });
    expect(apiserverDefault(apiService(null), policy)).toBe('local-apiservice');
    expect(apiserverDefault(apiService({ namespace: 'evil', name: 'proxy' }), policy)).toBeUndefined();
    // Other kinds are never apiserver defaults, whatever they carry.
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } } };
    expect(apiserverDefault(configMap, policy)).toBeUndefined();
  });

  it('splits a tampered object into the policy\'s part and the rest', () => {
    const role = bootstrapObject('ClusterRole', 'system:kube-scheduler');
    const rules = policyRules(role, policy);
    expect((role.rules as unknown[]).every((r) => rules.has(canonicalItem(r)))).toBe(true);
    // With the feature gates on the apiserver grants the scheduler more: those rules are the policy's too.
    expect(rules.size).toBeGreaterThan((role.rules as unknown[]).length);
    expect(rules.has(canonicalItem({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }))).toBe(false);
    expect(policySubjects(planted, policy).size).toBe(0);
    const binding = bootstrapObject('ClusterRoleBinding', 'system:kube-scheduler');
    expect([...policySubjects(binding, policy)]).toEqual(['{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"system:kube-scheduler"}']);
    // Same name, another role: none of its subjects are the policy's.
    expect(policySubjects({ ...binding, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' } }, policy).size).toBe(0);
  });
});
