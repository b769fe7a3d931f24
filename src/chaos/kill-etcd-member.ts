import { etcdMemberStep } from './etcd-member-step.js';

/** Kills one etcd member with SIGKILL; the API must keep serving with a quorum left. */
export const killEtcdMember = etcdMemberStep('kill-etcd-member', 'kill', 'Kill one etcd member with SIGKILL (by index or leader) and prove the API keeps serving while a quorum runs; restartAfter starts it again');
