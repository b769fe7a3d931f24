import type { KubeObject } from '../../kube/types.js';
import { serviceAccountNamespace, type SubjectRef } from './tuples.js';

const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';

/** A bootstrap RBAC object: named `system:*` or labelled kubernetes.io/bootstrapping=rbac-defaults. */
export function isSystemObject(object: KubeObject): boolean {
  return object.metadata.name.startsWith('system:') || object.metadata.labels?.[BOOTSTRAP_LABEL] === 'rbac-defaults';
}

/** A control-plane identity: a `system:*` user or group, or a ServiceAccount of kube-system. */
export function isSystemSubject(subject: SubjectRef): boolean {
  if (subject.kind === 'ServiceAccount') return serviceAccountNamespace(subject) === 'kube-system';
  return subject.name.startsWith('system:');
}
