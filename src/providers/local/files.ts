import { mkdir, writeFile } from 'node:fs/promises';
import type { ClusterLayout } from './layout.js';
import type { ClusterPki } from './pki.js';
import { encryptionConfig, kubeconfigYaml } from './flags.js';

/** Write PKI, encryption config and kubeconfigs into a fresh cluster dir (keys 0600, dirs 0700). */
export async function writeClusterFiles(l: ClusterLayout, pki: ClusterPki, name: string, apiserverPort: number): Promise<void> {
  await mkdir(l.pki, { recursive: true, mode: 0o700 });
  await mkdir(l.logs, { recursive: true, mode: 0o700 });
  const files: [string, string][] = [
    [l.caCert, pki.ca.certPem],
    [l.caKey, pki.ca.keyPem],
    [l.etcdServerCert, pki.etcdServer.certPem],
    [l.etcdServerKey, pki.etcdServer.keyPem],
    [l.etcdClientCert, pki.etcdClient.certPem],
    [l.etcdClientKey, pki.etcdClient.keyPem],
    [l.apiserverCert, pki.apiserverServing.certPem],
    [l.apiserverKey, pki.apiserverServing.keyPem],
    [l.adminCert, pki.admin.certPem],
    [l.adminKey, pki.admin.keyPem],
    [l.controllerManagerCert, pki.controllerManager.certPem],
    [l.controllerManagerKey, pki.controllerManager.keyPem],
    [l.serviceAccountKey, pki.serviceAccount.keyPem],
    [l.serviceAccountPub, pki.serviceAccount.publicKeyPem],
    [l.encryptionConfig, encryptionConfig(pki.encryptionKey)],
  ];
  await Promise.all(files.map(([path, content]) => writeFile(path, content, { mode: 0o600 })));
  await writeKubeconfigs(l, name, apiserverPort);
}

/** (Re)write both kubeconfigs for the apiserver's port. */
export async function writeKubeconfigs(l: ClusterLayout, name: string, apiserverPort: number): Promise<void> {
  const server = `https://127.0.0.1:${apiserverPort}`;
  await writeFile(l.kubeconfig, kubeconfigYaml(name, server, l.caCert, l.adminCert, l.adminKey), { mode: 0o600 });
  await writeFile(
    l.controllerManagerKubeconfig,
    kubeconfigYaml(name, server, l.caCert, l.controllerManagerCert, l.controllerManagerKey),
    { mode: 0o600 },
  );
}
