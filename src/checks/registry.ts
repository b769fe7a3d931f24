import type { Check } from '../contracts/types.js';
import { etcdConsistency } from './etcd-consistency.js';
import { apiHealth } from './api-health.js';
import { crdCompat } from './crd-compat.js';
import { noPlaintextSecrets } from './no-plaintext-secrets.js';
import { stateDiff } from './state-diff.js';
import { rbacCreep } from './rbac-creep.js';
import { secretInjection } from './secret-injection.js';
import { idempotence } from './idempotence.js';
import { controllerReconcile } from './controller-reconcile.js';
import { backupFreshness } from './backup-freshness.js';

/** Every check by its scenario id. A new check = one file + one line here. */
export const CHECKS: Record<string, Check> = {
  'etcd-consistency': etcdConsistency,
  'api-health': apiHealth,
  'crd-compat': crdCompat,
  'no-plaintext-secrets': noPlaintextSecrets,
  'state-diff': stateDiff,
  'rbac-creep': rbacCreep,
  'secret-injection': secretInjection,
  idempotence,
  'controller-reconcile': controllerReconcile,
  'backup-freshness': backupFreshness,
};
