import { KdrillError } from '../../core/errors.js';
import type { PinnedVersions } from './binaries.js';

/** Where the official builds live; KDRILL_BINARY_MIRROR replaces both hosts and keeps their paths. */
export const UPSTREAM = { kubernetes: 'https://dl.k8s.io', etcd: 'https://github.com' } as const;

/** One downloadable file and the published checksum that vouches for it. */
export interface ReleaseFile {
  /** What the cache folder calls it (kube-apiserver), or the archive's file name (etcd-v3.7.3-linux-amd64.tar.gz). */
  name: string;
  url: string;
  /** `<url>.sha256` (one hex digest, Kubernetes) or a SHA256SUMS list (`<hex>  <file name>` lines, etcd). */
  checksums: { kind: 'digest'; urls: { sha256: string; sha512: string } } | { kind: 'sums'; url: string };
}

export interface ReleasePlan {
  kubernetes: ReleaseFile[];
  /** The etcd release archive; etcd, etcdctl and etcdutl are under `archiveDir/` in it. */
  etcd: ReleaseFile & { archiveDir: string };
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' };

/**
 * The official release files for the pinned versions, or the reason there are none for this platform (Kubernetes
 * publishes kube-apiserver and kube-controller-manager for Linux only; etcd ships macOS builds as zip files).
 * Layouts, as the upstream release tooling writes them:
 *   https://dl.k8s.io/release/v1.37.2/bin/linux/amd64/kube-apiserver (+ .sha256, .sha512)
 *   https://github.com/etcd-io/etcd/releases/download/v3.7.3/etcd-v3.7.3-linux-amd64.tar.gz (+ SHA256SUMS)
 */
export function releasePlan(versions: PinnedVersions, env: NodeJS.ProcessEnv = process.env, platform = process.platform, arch = process.arch): ReleasePlan | { unavailable: string } {
  const goArch = ARCH[arch];
  if (platform !== 'linux' || !goArch) return { unavailable: `no official Kubernetes server binaries for ${platform}/${arch}` };
  const mirror = mirrorBase(env);
  const kubeBase = `${mirror ?? UPSTREAM.kubernetes}/release/${versions.kubernetes}/bin/linux/${goArch}`;
  const kubernetes = ['kube-apiserver', 'kube-controller-manager', 'kubectl'].map((name): ReleaseFile => {
    const url = `${kubeBase}/${name}`;
    return { name, url, checksums: { kind: 'digest', urls: { sha256: `${url}.sha256`, sha512: `${url}.sha512` } } };
  });
  const etcdDir = `${mirror ?? UPSTREAM.etcd}/etcd-io/etcd/releases/download/${versions.etcd}`;
  const archiveDir = `etcd-${versions.etcd}-linux-${goArch}`;
  const etcd = { name: `${archiveDir}.tar.gz`, url: `${etcdDir}/${archiveDir}.tar.gz`, checksums: { kind: 'sums' as const, url: `${etcdDir}/SHA256SUMS` }, archiveDir };
  return { kubernetes, etcd };
}

/** KDRILL_BINARY_MIRROR without a trailing slash; E_BIN_DIR when it is not an http(s) URL. */
export function mirrorBase(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.KDRILL_BINARY_MIRROR?.trim();
  if (!value) return undefined;
  if (!/^https?:\/\/[^/]/.test(value)) {
    throw new KdrillError('E_BIN_DIR', `KDRILL_BINARY_MIRROR=${value} is not an http(s) URL`, {
      hint: 'set it to the root of a mirror that serves the paths of dl.k8s.io and github.com (see README, "Control-plane binaries"), or unset it',
    });
  }
  return value.replace(/\/+$/, '');
}
