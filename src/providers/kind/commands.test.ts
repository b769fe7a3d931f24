import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  catEtcdManifest, controlPlaneNode, crictlExec, crictlIds, crictlKill, dockerCopyIn, dockerCopyOut, dockerExec, etcdctl,
  etcdutlRestore, kindCreate, kindDelete, kindGetClusters, kindGetKubeconfig, moveManifest, restorePlan, writeEtcdManifest,
} from './commands.js';
import { nodePathOf, parseEtcdManifest, withDataHostPath } from './etcd-manifest.js';

const MANIFEST_TEXT = readFileSync(join(import.meta.dirname, 'fixtures', 'etcd.yaml'), 'utf8');
const manifest = parseEtcdManifest(MANIFEST_TEXT);

describe('kind CLI commands', () => {
  it('creates into kdrill’s own kubeconfig, with image and config only when given', () => {
    expect(kindCreate({ name: 'drill', kubeconfig: '/t/kc', wait: '5m' })).toEqual({
      file: 'kind', args: ['create', 'cluster', '--name', 'drill', '--kubeconfig', '/t/kc', '--wait', '5m'],
    });
    expect(kindCreate({ name: 'd', kubeconfig: '/k', wait: '90s', image: 'kindest/node:v1.35.0', configPath: '/c.yaml' }).args).toEqual([
      'create', 'cluster', '--name', 'd', '--kubeconfig', '/k', '--wait', '90s', '--image', 'kindest/node:v1.35.0', '--config', '/c.yaml',
    ]);
  });

  it('deletes, lists and reads kubeconfigs by name', () => {
    expect(kindDelete('drill', '/t/kc').args).toEqual(['delete', 'cluster', '--name', 'drill', '--kubeconfig', '/t/kc']);
    expect(kindGetClusters().args).toEqual(['get', 'clusters']);
    expect(kindGetKubeconfig('drill').args).toEqual(['get', 'kubeconfig', '--name', 'drill']);
    expect(controlPlaneNode('drill')).toBe('drill-control-plane');
  });
});

describe('docker and CRI commands', () => {
  it('docker exec / cp', () => {
    expect(dockerExec('n', ['crictl', 'ps'])).toEqual({ file: 'docker', args: ['exec', 'n', 'crictl', 'ps'] });
    expect(dockerExec('n', ['sh'], { stdin: true }).args).toEqual(['exec', '-i', 'n', 'sh']);
    expect(dockerCopyIn('/h/s.db', 'n', '/var/lib/etcd/s.db').args).toEqual(['cp', '/h/s.db', 'n:/var/lib/etcd/s.db']);
    expect(dockerCopyOut('n', '/var/lib/etcd/s.db', '/h/s.db').args).toEqual(['cp', 'n:/var/lib/etcd/s.db', '/h/s.db']);
  });

  it('finds running containers by their kubelet label and kills them with a zero timeout', () => {
    expect(crictlIds('kube-apiserver')).toEqual(['crictl', 'ps', '-q', '--label', 'io.kubernetes.container.name=kube-apiserver']);
    expect(crictlKill(['a1', 'b2'])).toEqual(['crictl', 'stop', '--timeout', '0', 'a1', 'b2']);
    expect(crictlExec('a1', ['etcdctl', 'version'])).toEqual(['crictl', 'exec', 'a1', 'etcdctl', 'version']);
  });

  it('moves manifests out of and back into the kubelet folder, passing paths as arguments', () => {
    const stop = moveManifest('kube-controller-manager', 'stopped');
    expect(stop.slice(0, 2)).toEqual(['sh', '-c']);
    expect(stop.slice(3)).toEqual(['kdrill', '/etc/kubernetes/manifests/kube-controller-manager.yaml', '/etc/kubernetes/kdrill-stopped/kube-controller-manager.yaml']);
    expect(moveManifest('etcd', 'running').slice(4)).toEqual(['/etc/kubernetes/kdrill-stopped/etcd.yaml', '/etc/kubernetes/manifests/etcd.yaml']);
    expect(catEtcdManifest().slice(3)).toEqual(['kdrill', '/etc/kubernetes/manifests/etcd.yaml', '/etc/kubernetes/kdrill-stopped/etcd.yaml']);
    expect(writeEtcdManifest().slice(3)).toEqual(['kdrill', '/etc/kubernetes/kdrill-stopped', '/etc/kubernetes/manifests']);
  });
});

describe('etcd commands from the manifest', () => {
  it('reads the member, TLS files, data volume and version', () => {
    expect(manifest).toEqual({
      image: 'registry.k8s.io/etcd:3.6.4-0',
      version: '3.6.4',
      dataHostPath: '/var/lib/etcd',
      dataMountPath: '/var/lib/etcd',
      dataDir: '/var/lib/etcd',
      memberName: 'drill-control-plane',
      initialCluster: 'drill-control-plane=https://172.18.0.2:2380',
      initialAdvertisePeerUrls: 'https://172.18.0.2:2380',
      caFile: '/etc/kubernetes/pki/etcd/ca.crt',
      certFile: '/etc/kubernetes/pki/etcd/server.crt',
      keyFile: '/etc/kubernetes/pki/etcd/server.key',
    });
  });

  it('etcdctl uses the member’s own client TLS on loopback', () => {
    expect(etcdctl(manifest, ['snapshot', 'save', '/var/lib/etcd/s.db'])).toEqual([
      'etcdctl', '--endpoints=https://127.0.0.1:2379', '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
      '--cert=/etc/kubernetes/pki/etcd/server.crt', '--key=/etc/kubernetes/pki/etcd/server.key', 'snapshot', 'save', '/var/lib/etcd/s.db',
    ]);
  });

  it('etcdutl restore keeps name and peers and bumps the revision', () => {
    expect(etcdutlRestore('etcdutl', manifest, '/s.db', '/new')).toEqual([
      'etcdutl', 'snapshot', 'restore', '/s.db', '--data-dir', '/new', '--name', 'drill-control-plane',
      '--initial-cluster', 'drill-control-plane=https://172.18.0.2:2380', '--initial-advertise-peer-urls', 'https://172.18.0.2:2380',
      '--bump-revision', '1000000000', '--mark-compacted',
    ]);
  });

  it('plans a restore inside the etcd container: write under the data mount, then move beside it', () => {
    const plan = restorePlan(manifest, '42', 'etcd-container');
    expect(plan.snapshotNodePath).toBe('/var/lib/etcd/kdrill-restore-42.db');
    expect(plan.restore.slice(0, 6)).toEqual(['etcdutl', 'snapshot', 'restore', '/var/lib/etcd/kdrill-restore-42.db', '--data-dir', '/var/lib/etcd/kdrill-restore-42']);
    expect(plan.restoredNodePath).toBe('/var/lib/etcd/kdrill-restore-42');
    expect(plan.newHostPath).toBe('/var/lib/etcd-kdrill-42');
  });

  it('plans a restore in the node with a copied etcdutl: write the new dir directly', () => {
    const plan = restorePlan({ ...manifest, dataHostPath: '/var/lib/etcd-kdrill-41' }, '42', 'node', '/usr/local/bin/kdrill-etcdutl');
    expect(plan.snapshotNodePath).toBe('/var/lib/etcd-kdrill-41/kdrill-restore-42.db');
    expect(plan.restore.slice(0, 6)).toEqual(['/usr/local/bin/kdrill-etcdutl', 'snapshot', 'restore', '/var/lib/etcd-kdrill-41/kdrill-restore-42.db', '--data-dir', '/var/lib/etcd-kdrill-42']);
    expect(plan.restoredNodePath).toBe(plan.newHostPath);
  });

  it('maps container paths to node paths through the data mount, after a previous restore too', () => {
    expect(nodePathOf({ ...manifest, dataHostPath: '/var/lib/etcd-kdrill-7' }, '/var/lib/etcd/x.db')).toBe('/var/lib/etcd-kdrill-7/x.db');
    expect(() => nodePathOf(manifest, '/tmp/x.db')).toThrow(/outside the etcd data mount/);
  });

  it('rewrites only the data hostPath, keeping comments and the certs volume', () => {
    const patched = withDataHostPath(MANIFEST_TEXT, manifest, '/var/lib/etcd-kdrill-42');
    expect(patched).toContain('# kubeadm');
    const pod = parse(patched) as { spec: { volumes: { name: string; hostPath: { path: string } }[] } };
    expect(pod.spec.volumes.map((v) => [v.name, v.hostPath.path])).toEqual([
      ['etcd-certs', '/etc/kubernetes/pki/etcd'],
      ['etcd-data', '/var/lib/etcd-kdrill-42'],
    ]);
    expect(parseEtcdManifest(patched).dataHostPath).toBe('/var/lib/etcd-kdrill-42');
  });

  it('refuses a manifest that is not kubeadm’s etcd pod, naming what is missing', () => {
    expect(() => parseEtcdManifest('apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: etcd\n    image: e:3.6.0\n')).toThrow(/no hostPath volume for \/var\/lib\/etcd/);
  });
});
