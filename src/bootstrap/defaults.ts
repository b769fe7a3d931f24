import { splitApiVersion } from '../kube/paths.js';
import type { KubeObject } from '../kube/types.js';
import { canonicalItem, canonicalSet, rbacMatches, specMatches } from './content.js';
import type { BootstrapPolicy } from './policy.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const APF_GROUP = 'flowcontrol.apiserver.k8s.io';
const RBAC_KINDS = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
const APF_KINDS = new Set(['FlowSchema', 'PriorityLevelConfiguration']);

/** Which apiserver default an object is, if any. */
export type DefaultKind = 'bootstrap-rbac' | 'apf-bootstrap' | 'local-apiservice';

/**
 * Whether `obj` is exactly what the kube-apiserver creates by itself, decided by content, never by names, labels or
 * annotations anyone with write access can set:
 * - RBAC: named in the server version's bootstrap policy, with its labels, rules (or aggregationRule), roleRef and
 *   subjects; an extra rule or subject makes it an ordinary object (the apiserver's reconcile would keep the extra);
 * - API priority and fairness: named in the mandatory or suggested configuration, with its spec;
 * - APIService: served by the apiserver itself (`spec.service` null), so it holds no endpoint to redirect.
 * `obj` must carry apiVersion and kind.
 */
export function apiserverDefault(obj: KubeObject, policy: BootstrapPolicy): DefaultKind | undefined {
  const { group } = splitApiVersion(obj.apiVersion ?? '');
  const { name, namespace } = obj.metadata;
  if (group === RBAC_GROUP && RBAC_KINDS.has(obj.kind)) {
    return policy.variants(obj.kind, namespace, name).some((p) => rbacMatches(obj, p)) ? 'bootstrap-rbac' : undefined;
  }
  if (group === APF_GROUP && APF_KINDS.has(obj.kind)) {
    return policy.variants(obj.kind, undefined, name).some((p) => specMatches(obj, p)) ? 'apf-bootstrap' : undefined;
  }
  if (group === 'apiregistration.k8s.io' && obj.kind === 'APIService') {
    return (obj.spec as { service?: unknown } | undefined)?.service == null ? 'local-apiservice' : undefined;
  }
  return undefined;
}

/** Canonical rules (canonicalItem) the policy gives this Role or ClusterRole; its other rules are someone else's. */
export function policyRules(role: KubeObject, policy: BootstrapPolicy): Set<string> {
  const variants = policy.variants(role.kind, role.metadata.namespace, role.metadata.name).filter((p) => !p.aggregationRule);
  return new Set(variants.flatMap((p) => canonicalSet(p.rules)));
}

/** Canonical subjects the policy binds through this binding with the same roleRef; other subjects are someone else's. */
export function policySubjects(binding: KubeObject, policy: BootstrapPolicy): Set<string> {
  const roleRef = canonicalItem(binding.roleRef);
  const variants = policy.variants(binding.kind, binding.metadata.namespace, binding.metadata.name).filter((p) => canonicalItem(p.roleRef) === roleRef);
  return new Set(variants.flatMap((p) => canonicalSet(p.subjects)));
}

/**
 * A bootstrap RBAC object someone changed, put back to its policy content (labels, rules, aggregationRule, subjects),
 * keeping its metadata otherwise: what the apiserver would have made. Undefined when the policy has no such object or
 * binds another role (roleRef is immutable: such a binding can only be deleted).
 */
export function resetToPolicy(live: KubeObject, policy: BootstrapPolicy): KubeObject | undefined {
  const { group } = splitApiVersion(live.apiVersion ?? '');
  if (group !== RBAC_GROUP || !RBAC_KINDS.has(live.kind)) return undefined;
  const variants = policy.variants(live.kind, live.metadata.namespace, live.metadata.name);
  const fitting = variants.filter((p) => !p.roleRef || canonicalItem(p.roleRef) === canonicalItem(live.roleRef));
  // The variant the live object extends (the cluster's feature gates), else the first.
  const liveItems = new Set([...canonicalSet(live.rules), ...canonicalSet(live.subjects)]);
  const chosen = fitting.find((p) => [...canonicalSet(p.rules), ...canonicalSet(p.subjects)].every((i) => liveItems.has(i))) ?? fitting[0];
  if (!chosen) return undefined;
  const { labels, ...content } = structuredClone(chosen);
  const reset: KubeObject = { ...structuredClone(live), metadata: { ...structuredClone(live.metadata), labels: labels ?? {} } };
  delete reset.metadata.managedFields;
  for (const field of ['rules', 'aggregationRule', 'subjects'] as const) {
    if (content[field] === undefined) delete reset[field];
    else reset[field] = content[field];
  }
  return reset;
}

/** The RBAC objects of the policy as the apiserver creates them (default variant): what a backup leaves out on purpose. */
export function policyRbacObjects(policy: BootstrapPolicy): KubeObject[] {
  return policy.objects().filter((o) => RBAC_KINDS.has(o.kind)).map(({ kind, namespace, name }) => {
    const { labels, ...content } = structuredClone(policy.variants(kind, namespace, name)[0]!);
    const metadata = { name, ...(namespace ? { namespace } : {}), labels: labels ?? {}, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } };
    return { apiVersion: `${RBAC_GROUP}/v1`, kind, metadata, ...content };
  });
}
