import { describe, expect, it } from 'vitest';
import { KdrillError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import type { DrillContext } from '../../contracts/types.js';
import type { Cluster } from '../../providers/types.js';
import { bringUp } from './bring-up.js';
import { etcdSnapshotStrategy } from './index.js';

const READYZ = '[+]ping ok\n[+]etcd ok\n[-]informer-sync failed: reason withheld\n[-]poststarthook/storage-readiness failed: reason withheld\nreadyz check failed';

function fakeContext(versionStatus: number): { ctx: DrillContext; started: string[] } {
  const started: string[] = [];
  const cluster = {
    name: 'target',
    components: ['etcd', 'kube-apiserver', 'kube-controller-manager'],
    waitReady: async () => undefined,
    startComponent: async (c: string) => void started.push(c),
  } as unknown as Cluster;
  const client = { raw: async (path: string) => (path === '/version' ? { status: versionStatus, body: '{}' } : { status: 500, body: READYZ }) };
  return { ctx: { cluster, client, logger: silentLogger } as unknown as DrillContext, started };
}

const ALL = { readyTimeoutMs: 1000, members: 'all' as const };

const notReady = async () => {
  throw new KdrillError('E_CLUSTER_START', 'kube-apiserver of cluster target was not healthy after 60s');
};

describe('bringUp after an etcd restore', () => {
  it('returns no notes when the cluster gets ready', async () => {
    const { ctx } = fakeContext(200);
    expect(await bringUp(ctx, async () => undefined, '/snap.db', {}, ALL)).toEqual([]);
  });

  it('without the material, reports a serving but unready cluster as DEGRADED, naming the failing readyz checks, and starts the rest', async () => {
    const { ctx, started } = fakeContext(200);
    const notes = await bringUp(ctx, notReady, '/snap.db', undefined, ALL);
    expect(notes[0]).toMatch(/^DEGRADED: cluster target serves the API but is not ready \(failing readyz checks: informer-sync, poststarthook\/storage-readiness\)/);
    expect(started).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager']);
  });

  it('fails the restore when the material was installed, or when the API does not answer at all', async () => {
    await expect(bringUp(fakeContext(200).ctx, notReady, '/snap.db', { encryptionConfigPath: '/enc.yaml' }, ALL)).rejects.toMatchObject({ code: 'E_CLUSTER_START' });
    await expect(bringUp(fakeContext(0).ctx, notReady, '/snap.db', undefined, ALL)).rejects.toMatchObject({ code: 'E_CLUSTER_START' });
    const corrupt = async () => {
      throw new KdrillError('E_BACKUP_CORRUPT', 'etcdutl snapshot restore failed');
    };
    await expect(bringUp(fakeContext(200).ctx, corrupt, '/snap.db', undefined, ALL)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });
  });

  it('with members: first on a multi-member etcd, reports DEGRADED and why; on a single member it fails as any other restore', async () => {
    const { ctx } = fakeContext(200);
    const withMembers = (count: number) => ({ ...ctx, cluster: { ...ctx.cluster, etcdMembers: { list: () => Array.from({ length: count }, (_, i) => ({ name: `etcd-${i}` })) } } }) as unknown as DrillContext;
    const notes = await bringUp(withMembers(3), notReady, '/snap.db', { encryptionConfigPath: '/enc.yaml' }, { readyTimeoutMs: 1000, members: 'first' });
    expect(notes[0]).toMatch(/^DEGRADED: .*expected with members: first: only the first etcd member holds the snapshot/);
    // Members with different data may crash the apiserver: still DEGRADED, for the checks (which read etcd) to judge.
    const down = { ...fakeContext(0).ctx, cluster: withMembers(3).cluster } as DrillContext;
    expect((await bringUp(down, notReady, '/snap.db', { encryptionConfigPath: '/enc.yaml' }, { readyTimeoutMs: 1000, members: 'first' }))[0]).toMatch(/^DEGRADED: cluster target does not serve the API \(kube-apiserver exited or does not answer\); expected with members: first/);
    await expect(bringUp(withMembers(1), notReady, '/snap.db', { encryptionConfigPath: '/enc.yaml' }, { readyTimeoutMs: 1000, members: 'first' })).rejects.toMatchObject({ code: 'E_CLUSTER_START' });
  });
});

describe('etcd-snapshot strategy contract', () => {
  it('is unsupported only on clusters with neither a snapshot method nor etcd endpoints', () => {
    const base = { name: 'c', provider: 'kubeconfig' } as unknown as Cluster;
    expect(etcdSnapshotStrategy.unsupportedReason!(base)).toBe('cluster c (provider kubeconfig) gives no etcd access: no snapshot method and no etcd endpoints');
    expect(etcdSnapshotStrategy.unsupportedReason!({ ...base, etcd: { endpoints: ['https://e:2379'], caFile: '', certFile: '', keyFile: '' } } as Cluster)).toBeUndefined();
    expect(etcdSnapshotStrategy.unsupportedReason!({ ...base, takeEtcdSnapshot: async () => ({ path: '', sizeBytes: 0 }) } as unknown as Cluster)).toBeUndefined();
    expect(etcdSnapshotStrategy.targets).toEqual(['same', 'fresh']);
  });
});
