import { etcdMemberStep } from './etcd-member-step.js';

/** Stops one etcd member (SIGTERM, SIGKILL after a grace period); the API must keep serving with a quorum left. */
export const stopEtcdMember = etcdMemberStep('stop-etcd-member', 'stop', 'Stop one etcd member (by index or leader) and prove the API keeps serving while a quorum runs; restartAfter starts it again');
