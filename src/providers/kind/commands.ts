import type { Command } from '../command.js';
import { nodePathOf, type EtcdManifest } from './etcd-manifest.js';

/** Static pods kdrill moves in and out of the manifests folder (the scheduler too: its cache is stale after a restore). */
export type StaticPod = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

export const MANIFESTS_DIR = '/etc/kubernetes/manifests';
/** Outside the manifests folder, so the kubelet stops the pod; same filesystem, so the move is atomic. */
export const STOPPED_DIR = '/etc/kubernetes/kdrill-stopped';
/** Revision jump after a restore, so no client's watch resumes into the restored past (etcd >= 3.6 recommends it). */
export const BUMP_REVISION = '1000000000';

/** kind's name for the first control-plane node container. */
export function controlPlaneNode(cluster: string): string {
  return `${cluster}-control-plane`;
}

export interface KindCreateOptions {
  name: string;
  kubeconfig: string;
  image?: string;
  configPath?: string;
  /** Go duration kind waits for the control plane, e.g. `5m`. */
  wait: string;
}

/** `kind create cluster` writing the kubeconfig to kdrill's own file (never the user's ~/.kube/config). */
export function kindCreate(o: KindCreateOptions): Command {
  return {
    file: 'kind',
    args: [
      'create', 'cluster', '--name', o.name, '--kubeconfig', o.kubeconfig, '--wait', o.wait,
      ...(o.image ? ['--image', o.image] : []),
      ...(o.configPath ? ['--config', o.configPath] : []),
    ],
  };
}

/** `kind delete cluster`; `--kubeconfig` so kind edits kdrill's file, not the user's. */
export function kindDelete(name: string, kubeconfig: string): Command {
  return { file: 'kind', args: ['delete', 'cluster', '--name', name, '--kubeconfig', kubeconfig] };
}

export function kindGetClusters(): Command {
  return { file: 'kind', args: ['get', 'clusters'] };
}

export function kindGetKubeconfig(name: string): Command {
  return { file: 'kind', args: ['get', 'kubeconfig', '--name', name] };
}

/** `docker exec [-i] NODE argv...` (`-i` when stdin is fed). */
export function dockerExec(node: string, argv: readonly string[], options: { stdin?: boolean } = {}): Command {
  return { file: 'docker', args: ['exec', ...(options.stdin ? ['-i'] : []), node, ...argv] };
}

export function dockerCopyIn(hostPath: string, node: string, nodePath: string): Command {
  return { file: 'docker', args: ['cp', hostPath, `${node}:${nodePath}`] };
}

export function dockerCopyOut(node: string, nodePath: string, hostPath: string): Command {
  return { file: 'docker', args: ['cp', `${node}:${nodePath}`, hostPath] };
}

/** Ids of the RUNNING containers of one static pod container name, via the node's CRI. */
export function crictlIds(container: StaticPod): string[] {
  return ['crictl', 'ps', '-q', '--label', `io.kubernetes.container.name=${container}`];
}

/** CRI StopContainer with timeout 0: SIGKILL straight away, no SIGTERM first. The kubelet then restarts it. */
export function crictlKill(ids: readonly string[]): string[] {
  return ['crictl', 'stop', '--timeout', '0', ...ids];
}

export function crictlExec(id: string, argv: readonly string[]): string[] {
  return ['crictl', 'exec', id, ...argv];
}

/** Move a manifest between the manifests folder and the stopped folder; a no-op when it is already there. */
export function moveManifest(pod: StaticPod, to: 'stopped' | 'running'): string[] {
  const [from, dest] = to === 'stopped' ? [MANIFESTS_DIR, STOPPED_DIR] : [STOPPED_DIR, MANIFESTS_DIR];
  return ['sh', '-c', 'if [ -f "$1" ]; then mkdir -p "$(dirname "$2")" && mv "$1" "$2"; fi', 'kdrill', `${from}/${pod}.yaml`, `${dest}/${pod}.yaml`];
}

/** Print the etcd manifest from wherever it is (running or stopped). */
export function catEtcdManifest(): string[] {
  return ['sh', '-c', 'cat "$1" 2>/dev/null || cat "$2"', 'kdrill', `${MANIFESTS_DIR}/etcd.yaml`, `${STOPPED_DIR}/etcd.yaml`];
}

/** Replace the etcd manifest with stdin atomically: write beside the folder, then rename into it. */
export function writeEtcdManifest(): string[] {
  return ['sh', '-c', 'mkdir -p "$1" && cat > "$1/etcd.yaml" && mv "$1/etcd.yaml" "$2/etcd.yaml"', 'kdrill', STOPPED_DIR, MANIFESTS_DIR];
}

/** etcdctl with the member's own client TLS files, against its loopback client URL. */
export function etcdctl(m: EtcdManifest, args: readonly string[]): string[] {
  return ['etcdctl', '--endpoints=https://127.0.0.1:2379', `--cacert=${m.caFile}`, `--cert=${m.certFile}`, `--key=${m.keyFile}`, ...args];
}

/** `etcdutl snapshot restore` keeping the member's name and peer URLs, with bumped revision and compaction mark. */
export function etcdutlRestore(binary: string, m: EtcdManifest, snapshot: string, dataDir: string): string[] {
  return [
    binary, 'snapshot', 'restore', snapshot,
    '--data-dir', dataDir,
    '--name', m.memberName,
    '--initial-cluster', m.initialCluster,
    '--initial-advertise-peer-urls', m.initialAdvertisePeerUrls,
    '--bump-revision', BUMP_REVISION,
    '--mark-compacted',
  ];
}

/** Where a restore runs: inside the etcd container (its image ships etcdutl) or in the node with a copied etcdutl. */
export type RestoreSite = 'etcd-container' | 'node';

export interface RestorePlan {
  /** Node path the snapshot is copied to. */
  snapshotNodePath: string;
  /** etcdutl argv, run in the etcd container (crictl exec) or in the node (docker exec). */
  restore: string[];
  /** Node path etcdutl writes, then moved to `newHostPath` when they differ. */
  restoredNodePath: string;
  /** The data volume's new hostPath: a sibling of kubeadm's /var/lib/etcd, never nested in it. */
  newHostPath: string;
}

/** Every path of one restore, derived from the manifest and a unique stamp. */
export function restorePlan(m: EtcdManifest, stamp: string, site: RestoreSite, nodeEtcdutl = '/usr/local/bin/kdrill-etcdutl'): RestorePlan {
  const newHostPath = `/var/lib/etcd-kdrill-${stamp}`;
  const snapshotNodePath = `${m.dataHostPath}/kdrill-restore-${stamp}.db`;
  if (site === 'node') {
    return { snapshotNodePath, restore: etcdutlRestore(nodeEtcdutl, m, snapshotNodePath, newHostPath), restoredNodePath: newHostPath, newHostPath };
  }
  // The etcd container sees only its data mount: restore inside it, then move the result out on the node.
  const inContainer = `${m.dataMountPath}/kdrill-restore-${stamp}`;
  return {
    snapshotNodePath: nodePathOf(m, `${inContainer}.db`),
    restore: etcdutlRestore('etcdutl', m, `${inContainer}.db`, inContainer),
    restoredNodePath: nodePathOf(m, inContainer),
    newHostPath,
  };
}
