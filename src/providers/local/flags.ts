import type { ClusterLayout } from './layout.js';
import { clientUrl, initialCluster, peerUrl, type EtcdMemberSpec } from './etcd-topology.js';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
}

/** Controllers the local cluster runs: enough for namespace deletion, GC, service accounts and RBAC aggregation. */
export const DEFAULT_CONTROLLERS = [
  'namespace-controller',
  'garbage-collector-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'clusterrole-aggregation-controller',
];

/** How one member starts: the whole membership, the cluster token, and whether it founds the cluster or joins it. */
export interface EtcdStart {
  members: readonly EtcdMemberSpec[];
  token: string;
  joining: boolean;
  fsync: boolean;
}

export function etcdArgs(l: ClusterLayout, member: EtcdMemberSpec, start: EtcdStart): string[] {
  const client = clientUrl(member);
  const peer = peerUrl(member);
  const args = [
    `--name=${member.name}`,
    `--data-dir=${member.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${initialCluster(start.members)}`,
    // Only read when the data dir is empty: a member re-added after `member add` joins, every other one founds.
    `--initial-cluster-state=${start.joining ? 'existing' : 'new'}`,
    `--initial-cluster-token=${start.token}`,
    `--cert-file=${l.etcdServerCert}`,
    `--key-file=${l.etcdServerKey}`,
    `--trusted-ca-file=${l.caCert}`,
    '--client-cert-auth=true',
    `--peer-cert-file=${l.etcdServerCert}`,
    `--peer-key-file=${l.etcdServerKey}`,
    `--peer-trusted-ca-file=${l.caCert}`,
    '--peer-client-cert-auth=true',
    '--log-level=warn',
  ];
  // Tests trade durability for speed; benchmarks that claim durability keep fsync.
  if (!start.fsync) args.push('--unsafe-no-fsync=true');
  return args;
}

export function apiserverArgs(l: ClusterLayout, p: Ports, etcdMembers: readonly EtcdMemberSpec[]): string[] {
  return [
    `--etcd-servers=${etcdMembers.map(clientUrl).join(',')}`,
    `--etcd-cafile=${l.caCert}`,
    `--etcd-certfile=${l.etcdClientCert}`,
    `--etcd-keyfile=${l.etcdClientKey}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // No kubelets and a loopback address: the endpoint reconciler refuses 127.0.0.1, and nothing needs default/kubernetes endpoints.
    '--endpoint-reconciler-type=none',
    `--secure-port=${p.apiserver}`,
    `--tls-cert-file=${l.apiserverCert}`,
    `--tls-private-key-file=${l.apiserverKey}`,
    `--client-ca-file=${l.caCert}`,
    '--authorization-mode=Node,RBAC',
    '--service-cluster-ip-range=10.0.0.0/24',
    // The same issuer (and so token audience) in every cluster, as kubeadm does: tokens issued before a disaster
    // stay valid in a cluster restored from an etcd snapshot with the same signing key, whatever port it got.
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${l.serviceAccountPub}`,
    `--service-account-signing-key-file=${l.serviceAccountKey}`,
    `--encryption-provider-config=${l.encryptionConfig}`,
    `--cert-dir=${l.pki}`,
    '--allow-privileged=true',
    '--profiling=false',
    '--v=1',
  ];
}

export function controllerManagerArgs(l: ClusterLayout, controllers: string[]): string[] {
  return [
    `--kubeconfig=${l.controllerManagerKubeconfig}`,
    `--authentication-kubeconfig=${l.controllerManagerKubeconfig}`,
    `--authorization-kubeconfig=${l.controllerManagerKubeconfig}`,
    '--bind-address=127.0.0.1',
    // Serving is not needed (no health scraping): 0 disables it and saves a port.
    '--secure-port=0',
    '--leader-elect=false',
    `--service-account-private-key-file=${l.serviceAccountKey}`,
    `--root-ca-file=${l.caCert}`,
    // Each controller acts as its own ServiceAccount, bound by bootstrap RBAC (system:controller:*), as kubeadm runs it.
    '--use-service-account-credentials=true',
    `--controllers=${controllers.join(',')}`,
    '--profiling=false',
    '--v=1',
  ];
}

/** EncryptionConfiguration: Secrets encrypted at rest with secretbox; identity last so pre-existing plaintext stays readable. */
export function encryptionConfig(keyBase64: string): string {
  return [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '  - resources: [secrets]',
    '    providers:',
    '      - secretbox:',
    '          keys:',
    '            - name: key1',
    `              secret: ${keyBase64}`,
    '      - identity: {}',
    '',
  ].join('\n');
}

/** A kubeconfig with one cluster, user and context (client certificate auth, CA pinned). */
export function kubeconfigYaml(name: string, server: string, caFile: string, certFile: string, keyFile: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${name}`,
    '    cluster:',
    `      server: ${server}`,
    `      certificate-authority: ${caFile}`,
    'users:',
    `  - name: ${name}-admin`,
    '    user:',
    `      client-certificate: ${certFile}`,
    `      client-key: ${keyFile}`,
    'contexts:',
    `  - name: ${name}`,
    '    context:',
    `      cluster: ${name}`,
    `      user: ${name}-admin`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}
