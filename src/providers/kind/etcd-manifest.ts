import { parseDocument, type Document } from 'yaml';
import { KdrillError } from '../../core/errors.js';

/** What kdrill needs from kubeadm's etcd static pod manifest (/etc/kubernetes/manifests/etcd.yaml). */
export interface EtcdManifest {
  image: string;
  /** The etcd version from the image tag (`registry.k8s.io/etcd:3.6.4-0` → `3.6.4`), when the tag has one. */
  version?: string;
  /** Node path of the data volume, and where the etcd container sees it. */
  dataHostPath: string;
  dataMountPath: string;
  /** --data-dir inside the container. */
  dataDir: string;
  memberName: string;
  initialCluster: string;
  initialAdvertisePeerUrls: string;
  /** Client TLS files inside the etcd container (the server cert carries client auth too). */
  caFile: string;
  certFile: string;
  keyFile: string;
}

interface PodJson {
  spec?: {
    containers?: { name?: string; image?: string; command?: string[]; volumeMounts?: { name?: string; mountPath?: string }[] }[];
    volumes?: { name?: string; hostPath?: { path?: string } }[];
  };
}

/** Parse the etcd manifest; E_CLUSTER_START naming the missing piece when it is not a kubeadm etcd pod. */
export function parseEtcdManifest(text: string): EtcdManifest {
  const pod = parseDocument(text).toJS() as PodJson | null;
  const container = pod?.spec?.containers?.find((c) => c.name === 'etcd') ?? pod?.spec?.containers?.[0];
  const flags = flagMap(container?.command ?? []);
  const dataDir = flags.get('data-dir') ?? '/var/lib/etcd';
  const mount = container?.volumeMounts?.find((m) => m.mountPath && (dataDir === m.mountPath || dataDir.startsWith(`${m.mountPath}/`)));
  const volume = pod?.spec?.volumes?.find((v) => v.name === mount?.name);
  const need = (value: string | undefined, what: string): string => {
    if (value) return value;
    throw new KdrillError('E_CLUSTER_START', `the etcd manifest has no ${what}`, {
      hint: 'kdrill drives kubeadm-style etcd static pods (kind): was /etc/kubernetes/manifests/etcd.yaml edited?',
    });
  };
  const image = need(container?.image, 'container image');
  const version = /:v?(\d+\.\d+\.\d+)/.exec(image)?.[1];
  return {
    image,
    ...(version ? { version } : {}),
    dataHostPath: need(volume?.hostPath?.path, `hostPath volume for ${dataDir}`),
    dataMountPath: need(mount?.mountPath, `volume mount for ${dataDir}`),
    dataDir,
    memberName: need(flags.get('name'), '--name flag'),
    initialCluster: need(flags.get('initial-cluster'), '--initial-cluster flag'),
    initialAdvertisePeerUrls: need(flags.get('initial-advertise-peer-urls'), '--initial-advertise-peer-urls flag'),
    caFile: need(flags.get('trusted-ca-file'), '--trusted-ca-file flag'),
    certFile: need(flags.get('cert-file'), '--cert-file flag'),
    keyFile: need(flags.get('key-file'), '--key-file flag'),
  };
}

/** The manifest with the data volume's hostPath replaced (everything else, comments included, kept). */
export function withDataHostPath(text: string, manifest: EtcdManifest, newHostPath: string): string {
  const doc: Document = parseDocument(text);
  const volumes = doc.getIn(['spec', 'volumes']) as { items: { get(key: string): unknown }[] } | undefined;
  const index = volumes?.items.findIndex((v) => {
    const hostPath = v.get('hostPath') as { get(key: string): unknown } | undefined;
    return hostPath?.get('path') === manifest.dataHostPath;
  });
  if (index === undefined || index < 0) throw new KdrillError('E_INTERNAL', `no etcd volume with hostPath ${manifest.dataHostPath}`);
  doc.setIn(['spec', 'volumes', index, 'hostPath', 'path'], newHostPath);
  return doc.toString();
}

/** Node path of a path inside the etcd container's data mount. */
export function nodePathOf(manifest: EtcdManifest, containerPath: string): string {
  if (containerPath !== manifest.dataMountPath && !containerPath.startsWith(`${manifest.dataMountPath}/`)) {
    throw new KdrillError('E_INTERNAL', `${containerPath} is outside the etcd data mount ${manifest.dataMountPath}`);
  }
  return manifest.dataHostPath + containerPath.slice(manifest.dataMountPath.length);
}

function flagMap(command: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (const arg of command) {
    const match = /^--([^=]+)=(.*)$/.exec(arg);
    if (match?.[1] !== undefined && match[2] !== undefined) flags.set(match[1], match[2]);
  }
  return flags;
}
