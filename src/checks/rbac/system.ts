import type { KubeObject } from '../../kube/types.js';
import { serviceAccountNamespace, type SubjectRef } from './tuples.js';

const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';

/** A bootstrap RBAC object: named `system:*` or labelled kubernetes.io/bootstrapping=rbac-defaults. */
export function isSystemObject(object: KubeObject): boolean {
  return object.metadata.name.startsWith('system:') || object.metadata.labels?.[BOOTSTRAP_LABEL] === 'rbac-defaults';
}

/**
 * Groups and users that stand for "everyone" (or every service account): a grant to them is never a control-plane
 * detail, it is exactly what an attacker adds, so they are never excluded as system subjects.
 */
const BROAD_SUBJECTS = new Set(['system:authenticated', 'system:unauthenticated', 'system:anonymous', 'system:serviceaccounts']);

/** A control-plane identity: a `system:*` user or group, or a ServiceAccount of kube-system (never a "everyone" group). */
export function isSystemSubject(subject: SubjectRef): boolean {
  if (subject.kind === 'ServiceAccount') return serviceAccountNamespace(subject) === 'kube-system';
  if (BROAD_SUBJECTS.has(subject.name) || subject.name.startsWith('system:serviceaccounts:')) return false;
  return subject.name.startsWith('system:');
}
