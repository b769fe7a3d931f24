import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KdrillError } from '../../core/errors.js';
import type { DrillContext } from '../../contracts/types.js';
import type { BackupManifest } from '../../store/types.js';
import { etcdTools, runEtcdctl, type EtcdTools } from './etcd-tools.js';
import { storeMaterial } from './material.js';
import type { EtcdSnapshotOptions } from './options.js';
import { inspectSnapshot } from './snapshot-file.js';
import { EtcdReader } from './etcd-reads.js';
import { KEY_DIGESTS_ARTIFACT, readKeyDigests } from './key-digests.js';
import { SNAPSHOT_ARTIFACT, STRATEGY_ID, mbPerSecond, type SnapshotMetadata } from './layout.js';

/** Saves an etcd snapshot, checks it, and stores it (sealed unless disabled) with the cluster's secrets material (always sealed). */
export async function runBackup(ctx: DrillContext, options: EtcdSnapshotOptions): Promise<BackupManifest> {
  const started = ctx.clock.now();
  await mkdir(ctx.workDir, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(ctx.workDir, 'etcd-backup-'));
  try {
    const path = join(dir, 'snapshot.db');
    const tools = await etcdTools(ctx);
    await saveSnapshot(ctx, tools, path);
    const savedAt = ctx.clock.now();
    const facts = await inspectSnapshot(tools.etcdutl, path, 'taken');
    const verifiedAt = ctx.clock.now();
    const kubernetesVersion = await serverVersion(ctx);
    const etcdVersion = ctx.cluster.versions.etcd ?? facts.storageVersion;
    const writer = await ctx.store.create({
      strategy: STRATEGY_ID,
      cluster: { name: ctx.cluster.name, provider: ctx.cluster.provider, kubernetesVersion, etcdVersion },
    });
    try {
      await writer.putFile(SNAPSHOT_ARTIFACT, path, { sealed: options.sealSnapshot, mediaType: 'application/x-etcd-snapshot' });
      const material = await storeMaterial(writer, ctx.cluster.secretsMaterial);
      // The values at the snapshot's revision, as digests: etcd-consistency compares the restored values with them.
      const digests = ctx.cluster.etcd ? await readKeyDigests(new EtcdReader(tools, ctx.cluster.etcd), facts.revision) : undefined;
      if (digests) await writer.put(KEY_DIGESTS_ARTIFACT, Buffer.from(JSON.stringify(digests)), { sealed: true, mediaType: 'application/json' });
      const storedAt = ctx.clock.now();
      const metadata: SnapshotMetadata = {
        revision: facts.revision,
        hash: facts.hash,
        totalKeys: facts.totalKeys,
        sizeBytes: facts.fileSizeBytes,
        dbSizeBytes: facts.dbSizeBytes,
        sha256: facts.sha256,
        storageVersion: facts.storageVersion,
        etcdVersion,
        kubernetesVersion,
        sealed: options.sealSnapshot,
        material,
        durations: { snapshotMs: savedAt - started, verifyMs: verifiedAt - savedAt, storeMs: storedAt - verifiedAt, totalMs: storedAt - started },
        snapshotMBps: mbPerSecond(facts.fileSizeBytes, savedAt - started),
        storeMBps: mbPerSecond(facts.fileSizeBytes, storedAt - verifiedAt),
      };
      await ctx.audit.record({
        action: 'backup.write',
        subject: `${writer.id}/${SNAPSHOT_ARTIFACT}`,
        details: { revision: facts.revision, totalKeys: facts.totalKeys, sizeBytes: facts.fileSizeBytes, sealed: options.sealSnapshot, material },
      });
      const manifest = await writer.commit({ ...metadata });
      ctx.logger.info('etcd snapshot backup written', { id: manifest.id, revision: facts.revision, keys: facts.totalKeys, sizeBytes: facts.fileSizeBytes, snapshotMBps: metadata.snapshotMBps });
      return manifest;
    } catch (error) {
      await writer.abort().catch(() => undefined);
      throw error;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The provider's own snapshot method when it has one, else etcdctl against the cluster's etcd endpoint. */
async function saveSnapshot(ctx: DrillContext, tools: EtcdTools, path: string): Promise<void> {
  const { cluster } = ctx;
  if (cluster.takeEtcdSnapshot) {
    await cluster.takeEtcdSnapshot(path);
    return;
  }
  if (!cluster.etcd) {
    throw new KdrillError('E_SCENARIO_INVALID', `cluster ${cluster.name} offers no etcd access: strategy etcd-snapshot cannot back it up`, {
      hint: 'use a provider with etcd access (local, k3s, kind), give the kubeconfig provider etcd endpoints and client certificates, or use resource-export',
    });
  }
  // A snapshot streams from one member: etcdctl refuses several endpoints.
  await runEtcdctl(tools, cluster.etcd, ['snapshot', 'save', path], { endpoints: cluster.etcd.endpoints.slice(0, 1), timeoutMs: 30 * 60_000 });
}

async function serverVersion(ctx: DrillContext): Promise<string> {
  const version = await ctx.client.get<{ gitVersion?: string }>('/version').catch(() => undefined);
  return version?.gitVersion ?? ctx.cluster.versions.kubernetes;
}
