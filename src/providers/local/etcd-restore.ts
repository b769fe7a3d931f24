import { rename, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { KdrillError } from '../../core/errors.js';
import { initialCluster, peerUrl, type EtcdMemberSpec } from './etcd-topology.js';

/**
 * Writes a data dir for each of `restored` from one snapshot, as etcd documents a multi-member restore: the same
 * snapshot for every member, each with its own name and peer URL, the whole membership re-declared, a new cluster
 * token (so no member of the old cluster can join the new one), a bumped revision and a compaction mark (no watcher
 * resumes into the past). Each new dir replaces the member's old one only once every restore succeeded.
 */
export async function restoreMemberData(
  etcdutl: string,
  snapshotPath: string,
  members: readonly EtcdMemberSpec[],
  restored: readonly EtcdMemberSpec[],
  token: string,
): Promise<void> {
  const stamp = Date.now();
  const fresh = restored.map((m) => ({ member: m, dir: `${m.dataDir}.restore-${stamp}` }));
  try {
    await Promise.all(fresh.map(({ member, dir }) => execa(etcdutl, restoreArgs(snapshotPath, member, members, token, dir))));
  } catch (error) {
    await Promise.all(fresh.map(({ dir }) => rm(dir, { recursive: true, force: true })));
    throw new KdrillError('E_BACKUP_CORRUPT', `etcdutl snapshot restore failed: ${(error as Error).message.split('\n').slice(-3).join(' ')}`, {
      hint: 'the snapshot is damaged or not an etcd snapshot: verify the backup (kdrill backups verify)',
    });
  }
  for (const { member, dir } of fresh) {
    await rm(member.dataDir, { recursive: true, force: true });
    await rename(dir, member.dataDir);
  }
}

/** `etcdutl snapshot restore` for one member. */
export function restoreArgs(snapshotPath: string, member: EtcdMemberSpec, members: readonly EtcdMemberSpec[], token: string, dataDir: string): string[] {
  return [
    'snapshot', 'restore', snapshotPath, `--data-dir=${dataDir}`, `--name=${member.name}`,
    `--initial-cluster=${initialCluster(members)}`, `--initial-advertise-peer-urls=${peerUrl(member)}`,
    `--initial-cluster-token=${token}`, '--bump-revision=1000000000', '--mark-compacted',
  ];
}
