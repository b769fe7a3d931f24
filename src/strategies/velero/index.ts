import { randomBytes } from 'node:crypto';
import { KdrillError } from '../../core/errors.js';
import type { BackupStrategy, DrillContext, RestoreReport } from '../../contracts/types.js';
import type { BackupManifest } from '../../store/types.js';
import { veleroBinaries, veleroMissing, versitygwBinary } from './binaries.js';
import { velero, waitFinished, type VeleroOutcome } from './cli.js';
import { objectStoreFor, releaseObjectStore } from './object-store.js';
import { parseVeleroOptions, VeleroOptionsSchema, type VeleroOptions } from './options.js';
import { prepareCluster, startServer, VELERO_NAMESPACE, waitUntil } from './server.js';

const ID = 'velero';
const DEFAULT_TIMEOUT_S = 900;

/**
 * Velero, for real: `velero backup create` against the source, and a restore by a Velero server that runs outside
 * the target cluster (upstream "run locally") and reads the same bucket. kdrill's store keeps a record of the Velero
 * backup (its name, bucket and status), so the drill's reports, audit and checks work as for any strategy.
 */
export const veleroStrategy: BackupStrategy = {
  id: ID,
  description: 'Velero backup and restore (velero server run outside the cluster, AWS plugin, any S3 bucket or a throw-away one)',
  optionsSchema: VeleroOptionsSchema,
  targets: ['same', 'fresh'],
  unsupportedReason: () => veleroMissing(),
  missingTool: (options) => {
    const o = options as Partial<VeleroOptions>;
    const noBucket = !o.s3Url && !process.env.KDRILL_VELERO_S3_URL && !versitygwBinary();
    return veleroMissing(o.binDir) ?? (noBucket ? 'no s3Url given and no versitygw for a throw-away bucket (bash tools/build-test-servers.sh)' : undefined);
  },
  backup: (ctx, options) => backup(ctx, parseVeleroOptions(options)),
  restore: (ctx, manifest, options) => restore(ctx, manifest, parseVeleroOptions(options)),
};

async function backup(ctx: DrillContext, o: VeleroOptions): Promise<BackupManifest> {
  const bin = veleroBinaries(o.binDir);
  const store = await objectStoreFor(ctx, o);
  const timeoutMs = (o.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
  await prepareCluster(ctx, bin, store);
  const server = await startServer(ctx, bin, store, 'backup');
  const name = `kdrill-${ctx.runId.slice(-6)}-${randomBytes(2).toString('hex')}`.toLowerCase();
  let outcome: VeleroOutcome;
  try {
    const scope = o.includeNamespaces?.length ? ['--include-namespaces', o.includeNamespaces.join(',')] : [];
    await velero(ctx, bin, ['backup', 'create', name, ...scope], 60_000);
    outcome = await waitFinished(ctx, 'backups', name, timeoutMs);
  } finally {
    await server.stop();
  }
  if (outcome.phase !== 'Completed') {
    throw new KdrillError('E_COMMAND', `velero backup ${name} ended ${outcome.phase} (${outcome.errors} errors, ${outcome.warnings} warnings)${outcome.failureReason ? `: ${outcome.failureReason}` : ''}`, {
      hint: `velero backup logs ${name}; velero server log: ${server.logFile}`,
    });
  }
  await ctx.audit.record({ action: 'backup.write', subject: `velero:${name}`, details: { bucket: store.bucket, items: outcome.itemsDone, warnings: outcome.warnings } });
  const writer = await ctx.store.create({ strategy: ID, cluster: { name: ctx.cluster.name, provider: ctx.cluster.provider, kubernetesVersion: ctx.cluster.versions.kubernetes } });
  try {
    await writer.put('velero/backup.json', Buffer.from(JSON.stringify({ name, bucket: store.bucket, s3Url: store.url, outcome }, null, 2)), { mediaType: 'application/json' });
    return await writer.commit({ veleroBackup: name, bucket: store.bucket, itemsBackedUp: outcome.itemsDone, warnings: outcome.warnings, errors: outcome.errors });
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

async function restore(ctx: DrillContext, manifest: BackupManifest, o: VeleroOptions): Promise<RestoreReport> {
  const bin = veleroBinaries(o.binDir);
  const name = String(manifest.metadata.veleroBackup ?? '');
  if (!name) throw new KdrillError('E_BACKUP_CORRUPT', `backup ${manifest.id} names no Velero backup`, { hint: 'restore a backup made by the velero strategy' });
  const store = await objectStoreFor(ctx, o);
  const timeoutMs = (o.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
  await ctx.audit.record({ action: 'restore.start', subject: manifest.id, details: { strategy: ID, veleroBackup: name, cluster: ctx.cluster.name } });
  await prepareCluster(ctx, bin, store);
  const server = await startServer(ctx, bin, store, 'restore');
  const restoreName = `${name}-restore-${randomBytes(2).toString('hex')}`;
  let outcome: VeleroOutcome;
  try {
    // A new target knows the backup only once the server has synced it from the bucket.
    await waitUntil(async () => ((await ctx.client.getOptional(`/apis/velero.io/v1/namespaces/${VELERO_NAMESPACE}/backups/${name}`)) ? true : undefined),
      120_000, ctx.signal, `Velero backup ${name} is synced from the bucket`, `is the bucket ${store.bucket} at ${store.url} the one the backup went to?`);
    const excluded = o.excludeResources?.length ? ['--exclude-resources', o.excludeResources.join(',')] : [];
    await velero(ctx, bin, ['restore', 'create', restoreName, '--from-backup', name, ...excluded], 60_000);
    outcome = await waitFinished(ctx, 'restores', restoreName, timeoutMs);
  } finally {
    await server.stop();
    await releaseObjectStore(ctx);
  }
  await ctx.audit.record({ action: 'restore.finish', subject: manifest.id, details: { ok: outcome.phase === 'Completed', phase: outcome.phase, items: outcome.itemsDone, errors: outcome.errors, warnings: outcome.warnings } });
  if (outcome.phase === 'Failed' || outcome.phase === 'FailedValidation') {
    throw new KdrillError('E_COMMAND', `velero restore ${restoreName} ended ${outcome.phase}${outcome.failureReason ? `: ${outcome.failureReason}` : ''}`, { hint: `velero restore logs ${restoreName}` });
  }
  const notes = [`velero restore ${restoreName} from backup ${name}: ${outcome.phase}, ${outcome.itemsDone}/${outcome.itemsTotal} items, ${outcome.warnings} warnings, ${outcome.errors} errors`];
  if (o.excludeResources?.length) notes.push(`resources left out of the restore on purpose: ${o.excludeResources.join(', ')}`);
  return { counts: { restored: outcome.itemsDone, warnings: outcome.warnings, errors: outcome.errors }, notes };
}
