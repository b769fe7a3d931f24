/** Restore tiers, in apply order: what must exist before what. */
export const TIERS = [
  'crds',
  'namespaces',
  'cluster-config',
  'persistent-volumes',
  'persistent-volume-claims',
  'roles',
  'service-accounts',
  'role-bindings',
  'config',
  'endpoints',
  'services',
  'workloads',
  'other',
  'custom-resources',
  'admission',
] as const;

/** One restore tier. */
export type Tier = (typeof TIERS)[number];

/** Built-in resource types by `group/plural`; anything else built-in goes to `other`, anything CRD-served to `custom-resources`. */
const BY_TYPE: Record<string, Tier> = {
  'apiextensions.k8s.io/customresourcedefinitions': 'crds',
  '/namespaces': 'namespaces',
  'scheduling.k8s.io/priorityclasses': 'cluster-config',
  'storage.k8s.io/storageclasses': 'cluster-config',
  'node.k8s.io/runtimeclasses': 'cluster-config',
  'networking.k8s.io/ingressclasses': 'cluster-config',
  // Limits and quotas shape how later objects in their namespace are defaulted and admitted.
  '/limitranges': 'cluster-config',
  '/resourcequotas': 'cluster-config',
  '/persistentvolumes': 'persistent-volumes',
  '/persistentvolumeclaims': 'persistent-volume-claims',
  'rbac.authorization.k8s.io/clusterroles': 'roles',
  'rbac.authorization.k8s.io/roles': 'roles',
  '/serviceaccounts': 'service-accounts',
  'rbac.authorization.k8s.io/rolebindings': 'role-bindings',
  'rbac.authorization.k8s.io/clusterrolebindings': 'role-bindings',
  '/secrets': 'config',
  '/configmaps': 'config',
  // Endpoints of selector-less Services go first so the Service is never briefly without them.
  '/endpoints': 'endpoints',
  'discovery.k8s.io/endpointslices': 'endpoints',
  '/services': 'services',
  'apps/deployments': 'workloads',
  'apps/statefulsets': 'workloads',
  'apps/daemonsets': 'workloads',
  'apps/replicasets': 'workloads',
  '/replicationcontrollers': 'workloads',
  'batch/jobs': 'workloads',
  'batch/cronjobs': 'workloads',
  '/pods': 'workloads',
  '/podtemplates': 'workloads',
  // A webhook or policy whose backend is not restored yet would block everything it matches.
  'apiregistration.k8s.io/apiservices': 'admission',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': 'admission',
  'admissionregistration.k8s.io/validatingwebhookconfigurations': 'admission',
  'admissionregistration.k8s.io/validatingadmissionpolicies': 'admission',
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': 'admission',
  'admissionregistration.k8s.io/mutatingadmissionpolicies': 'admission',
  'admissionregistration.k8s.io/mutatingadmissionpolicybindings': 'admission',
};

/** The tier of a resource type. */
export function tierOf(group: string, resource: string, custom: boolean): Tier {
  if (custom) return 'custom-resources';
  return BY_TYPE[`${group}/${resource}`] ?? 'other';
}

/** Position of a tier in apply order. */
export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}
