import { describe, expect, it } from 'vitest';
import { DownloadUnavailable, digestFromSums } from './download.js';
import { releasePlan } from './release-urls.js';

const versions = { kubernetes: 'v1.37.2', etcd: 'v3.7.3' };

describe('official release layout', () => {
  it('points at dl.k8s.io and the etcd GitHub release, with the checksums published beside them', () => {
    const plan = releasePlan(versions, {}, 'linux', 'x64');
    expect(plan).toEqual({
      kubernetes: ['kube-apiserver', 'kube-controller-manager', 'kubectl'].map((name) => ({
        name,
        url: `https://dl.k8s.io/release/v1.37.2/bin/linux/amd64/${name}`,
        checksums: { kind: 'digest', urls: { sha256: `https://dl.k8s.io/release/v1.37.2/bin/linux/amd64/${name}.sha256`, sha512: `https://dl.k8s.io/release/v1.37.2/bin/linux/amd64/${name}.sha512` } },
      })),
      etcd: {
        name: 'etcd-v3.7.3-linux-amd64.tar.gz',
        url: 'https://github.com/etcd-io/etcd/releases/download/v3.7.3/etcd-v3.7.3-linux-amd64.tar.gz',
        checksums: { kind: 'sums', url: 'https://github.com/etcd-io/etcd/releases/download/v3.7.3/SHA256SUMS' },
        archiveDir: 'etcd-v3.7.3-linux-amd64',
      },
    });
  });

  it('KDRILL_BINARY_MIRROR keeps the paths under another root; anything but an http(s) URL is refused', () => {
    const plan = releasePlan(versions, { KDRILL_BINARY_MIRROR: 'https://mirror.corp/k8s/' }, 'linux', 'arm64');
    expect('kubernetes' in plan && plan.kubernetes[0]!.url).toBe('https://mirror.corp/k8s/release/v1.37.2/bin/linux/arm64/kube-apiserver');
    expect('etcd' in plan && plan.etcd.checksums).toEqual({ kind: 'sums', url: 'https://mirror.corp/k8s/etcd-io/etcd/releases/download/v3.7.3/SHA256SUMS' });
    expect(() => releasePlan(versions, { KDRILL_BINARY_MIRROR: 'mirror.corp' }, 'linux', 'x64')).toThrow(expect.objectContaining({ code: 'E_BIN_DIR' }));
  });

  it('has no official server binaries outside Linux', () => {
    expect(releasePlan(versions, {}, 'darwin', 'arm64')).toEqual({ unavailable: 'no official Kubernetes server binaries for darwin/arm64' });
  });

  it('reads a SHA256SUMS list as etcd publishes it', () => {
    const sums = `${'1'.repeat(64)}  etcd-v3.7.3-darwin-amd64.zip\n${'A'.repeat(64)}  etcd-v3.7.3-linux-amd64.tar.gz\n`;
    expect(digestFromSums(sums, 'etcd-v3.7.3-linux-amd64.tar.gz', 'SUMS')).toEqual({ algorithm: 'sha256', hex: 'a'.repeat(64), source: 'SUMS' });
    expect(() => digestFromSums(sums, 'etcd-v3.7.3-linux-arm64.tar.gz', 'SUMS')).toThrow(DownloadUnavailable);
  });
});
