import { join } from 'node:path';

/** File layout of one local cluster's directory. */
export interface ClusterLayout {
  root: string;
  stateFile: string;
  kubeconfig: string;
  controllerManagerKubeconfig: string;
  pki: string;
  caCert: string;
  caKey: string;
  etcdServerCert: string;
  etcdServerKey: string;
  etcdClientCert: string;
  etcdClientKey: string;
  apiserverCert: string;
  apiserverKey: string;
  adminCert: string;
  adminKey: string;
  controllerManagerCert: string;
  controllerManagerKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  encryptionConfig: string;
  etcdData: string;
  logs: string;
}

export function clusterLayout(root: string): ClusterLayout {
  const pki = join(root, 'pki');
  return {
    root,
    stateFile: join(root, 'cluster.json'),
    kubeconfig: join(root, 'kubeconfig'),
    controllerManagerKubeconfig: join(pki, 'controller-manager.kubeconfig'),
    pki,
    caCert: join(pki, 'ca.crt'),
    caKey: join(pki, 'ca.key'),
    etcdServerCert: join(pki, 'etcd-server.crt'),
    etcdServerKey: join(pki, 'etcd-server.key'),
    etcdClientCert: join(pki, 'etcd-client.crt'),
    etcdClientKey: join(pki, 'etcd-client.key'),
    apiserverCert: join(pki, 'apiserver.crt'),
    apiserverKey: join(pki, 'apiserver.key'),
    adminCert: join(pki, 'admin.crt'),
    adminKey: join(pki, 'admin.key'),
    controllerManagerCert: join(pki, 'controller-manager.crt'),
    controllerManagerKey: join(pki, 'controller-manager.key'),
    serviceAccountKey: join(pki, 'sa.key'),
    serviceAccountPub: join(pki, 'sa.pub'),
    encryptionConfig: join(pki, 'encryption-config.yaml'),
    etcdData: join(root, 'etcd-data'),
    logs: join(root, 'logs'),
  };
}
