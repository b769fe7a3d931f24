import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KdrillError, isKdrillError } from '../../core/errors.js';
import type { DrillContext, RestoreReport } from '../../contracts/types.js';
import type { Cluster, ClusterSecretsMaterial } from '../../providers/types.js';
import type { BackupManifest } from '../../store/types.js';
import { etcdTools } from './etcd-tools.js';
import { SNAPSHOT_ARTIFACT, STRATEGY_ID, snapshotMetadata, type SnapshotMetadata } from './layout.js';
import { fetchMaterial } from './material.js';
import type { EtcdSnapshotOptions } from './options.js';
import { inspectSnapshot, type SnapshotFacts } from './snapshot-file.js';
import { restoreNotes } from './notes.js';
import { bringUp } from './bring-up.js';

/**
 * Restores `backup` into ctx.cluster: the snapshot is decrypted to a 0600 temp file and fully checked (store hash,
 * sha256 trailer, `etcdutl snapshot status`, the manifest's revision and hash) before the cluster is stopped.
 */
export async function runRestore(ctx: DrillContext, backup: BackupManifest, options: EtcdSnapshotOptions): Promise<RestoreReport> {
  const { cluster } = ctx;
  const restore = restoreMethod(cluster);
  const reader = await ctx.store.open(backup.id);
  assertEtcdBackup(reader.manifest);
  const meta = snapshotMetadata(reader.manifest.metadata);
  const started = ctx.clock.now();
  await ctx.audit.record({ action: 'restore.start', subject: backup.id, details: { strategy: STRATEGY_ID, cluster: cluster.name, restoreMaterial: options.restoreMaterial } });
  await mkdir(ctx.workDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(ctx.workDir, 'etcd-restore-'));
  try {
    const path = join(dir, 'snapshot.db');
    await reader.getToFile(SNAPSHOT_ARTIFACT, path);
    const facts = await inspectSnapshot((await etcdTools(ctx)).etcdutl, path, 'restored');
    assertMatchesManifest(facts, meta);
    const material: ClusterSecretsMaterial | undefined = options.restoreMaterial ? await fetchMaterial(reader, join(dir, 'material')) : undefined;
    const checkedAt = ctx.clock.now();
    const degraded = await bringUp(ctx, restore, path, material, options);
    const restoredAt = ctx.clock.now();
    const timing = { verifyMs: checkedAt - started, restoreMs: restoredAt - checkedAt, totalMs: restoredAt - started };
    await ctx.audit.record({ action: 'restore.apply', subject: cluster.name, details: { backup: backup.id, revision: facts.revision, keys: facts.totalKeys, material: Object.keys(material ?? {}) } });
    await ctx.audit.record({ action: 'restore.finish', subject: backup.id, details: { ok: true, degraded: degraded.length > 0, cluster: cluster.name, ...timing } });
    ctx.logger.info('etcd snapshot restored', { backup: backup.id, cluster: cluster.name, revision: facts.revision, keys: facts.totalKeys, restoreMs: timing.restoreMs });
    return { counts: { keys: facts.totalKeys }, ...(degraded.length ? { degraded: degraded[0]! } : {}), notes: [...degraded, ...restoreNotes({ cluster, manifest: reader.manifest, facts, material, timing, members: options.members })] };
  } catch (error) {
    const code = isKdrillError(error) ? error.code : 'E_INTERNAL';
    await ctx.audit.record({ action: 'restore.finish', subject: backup.id, details: { ok: false, cluster: cluster.name, code } }).catch(() => undefined);
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function restoreMethod(cluster: Cluster): NonNullable<Cluster['restoreEtcdSnapshot']> {
  if (!cluster.restoreEtcdSnapshot) {
    throw new KdrillError('E_SCENARIO_INVALID', `cluster ${cluster.name} (provider ${cluster.provider}) cannot restore an etcd snapshot`, {
      hint: 'restore etcd-snapshot backups into a provider with etcd control (local, k3s, kind), or use resource-export',
    });
  }
  return cluster.restoreEtcdSnapshot.bind(cluster);
}

function assertEtcdBackup(manifest: BackupManifest): void {
  if (manifest.strategy !== STRATEGY_ID) {
    throw new KdrillError('E_SCENARIO_INVALID', `backup ${manifest.id} was made by strategy ${manifest.strategy}, not ${STRATEGY_ID}`, {
      hint: `restore it with strategy ${manifest.strategy}`,
    });
  }
}

/** The decrypted snapshot must be the one the (hash-sealed) manifest describes: same trailer, revision and key-space hash. */
function assertMatchesManifest(facts: SnapshotFacts, meta: Partial<SnapshotMetadata>): void {
  const expected: [string, unknown, unknown][] = [
    ['sha256', meta.sha256, facts.sha256],
    ['revision', meta.revision, facts.revision],
    ['hash', meta.hash, facts.hash],
    ['totalKeys', meta.totalKeys, facts.totalKeys],
  ];
  const wrong = expected.filter(([, want, got]) => want !== undefined && want !== got).map(([field, want, got]) => `${field} ${String(got)} (manifest: ${String(want)})`);
  if (wrong.length > 0) {
    throw new KdrillError('E_BACKUP_CORRUPT', `the backup's etcd snapshot is not the one its manifest describes: ${wrong.join(', ')}`, {
      hint: 'the cluster was not touched; the snapshot file was replaced: restore from another backup',
    });
  }
}
