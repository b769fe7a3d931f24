import type { ChaosStep } from '../contracts/types.js';
import { corruptEtcd } from './corrupt-etcd.js';
import { deleteCrds } from './delete-crds.js';
import { deleteNamespaces } from './delete-namespaces.js';
import { deleteSecrets } from './delete-secrets.js';
import { execStep } from './exec.js';
import { killComponent } from './kill-component.js';
import { killEtcdMember } from './kill-etcd-member.js';
import { quorumLoss } from './quorum-loss.js';
import { stopEtcdMember } from './stop-etcd-member.js';
import { mutateCrd } from './mutate-crd.js';
import { rotateKek } from './rotate-kek.js';
import { stopComponent } from './stop-component.js';
import { tamperRbac } from './tamper-rbac.js';
import { wipeCluster } from './wipe-cluster.js';

/** Every chaos step by its scenario id. A new step = one file + one line here. */
export const CHAOS_STEPS = {
  'delete-namespaces': deleteNamespaces,
  'delete-crds': deleteCrds,
  'delete-secrets': deleteSecrets,
  'tamper-rbac': tamperRbac,
  'mutate-crd': mutateCrd,
  'stop-component': stopComponent,
  'kill-component': killComponent,
  'stop-etcd-member': stopEtcdMember,
  'kill-etcd-member': killEtcdMember,
  'quorum-loss': quorumLoss,
  'corrupt-etcd': corruptEtcd,
  'wipe-cluster': wipeCluster,
  'rotate-kek': rotateKek,
  exec: execStep,
} satisfies Record<string, ChaosStep> as Record<string, ChaosStep>;
