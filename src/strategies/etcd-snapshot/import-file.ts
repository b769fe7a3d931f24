import { access, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { KdrillError } from '../../core/errors.js';
import type { DrillContext } from '../../contracts/types.js';
import type { ClusterSecretsMaterial } from '../../providers/types.js';
import type { BackupManifest } from '../../store/types.js';
import { etcdTools } from './etcd-tools.js';
import { storeMaterial } from './material.js';
import { inspectSnapshot } from './snapshot-file.js';
import { fetchS3Snapshot } from './fetch-s3.js';
import { SNAPSHOT_ARTIFACT, STRATEGY_ID } from './layout.js';

/** The material files a plain snapshot may come with, as a scenario names them. */
export interface PlainSnapshotMaterial {
  encryptionConfig?: string;
  serviceAccountKey?: string;
  serviceAccountPublicKey?: string;
  caCert?: string;
  caKey?: string;
}

/** What each missing material file costs the restored cluster: stated in the report, never silently. */
const CONSEQUENCES: [keyof PlainSnapshotMaterial, string][] = [
  ['encryptionConfig', 'no encryption config given: Secrets the source encrypted at rest stay unreadable in the restored cluster (the apiserver cannot decrypt them)'],
  ['serviceAccountKey', 'no service-account signing key given: the restored cluster signs new tokens with its own key, and every token issued by the source is rejected'],
  ['serviceAccountPublicKey', 'no service-account public key given: tokens signed by the source cannot be verified'],
  ['caCert', 'no CA certificate given: the restored cluster keeps its own CA, so client certificates and kubeconfigs of the source do not work there'],
];

/**
 * Takes a plain etcd snapshot (`etcdctl snapshot save`, k3s etcd-snapshot) into the drill's store as an etcd-snapshot
 * backup, so the etcd-snapshot restore runs on it unchanged. The file is checked with etcd's own hash (the sha256
 * trailer and `etcdutl snapshot status`) before anything is stored or started. Returns the manifest and the file's
 * modification time (its age is the drill's RPO).
 */
export async function importSnapshotFile(
  ctx: DrillContext,
  file: string,
  given: PlainSnapshotMaterial = {},
): Promise<{ manifest: BackupManifest; savedAt: number }> {
  const material = await materialPaths(ctx.scenarioDir, given);
  const { path, savedAt } = file.startsWith('s3://') ? await fetchS3Snapshot(file, ctx.workDir, ctx.signal) : await localSnapshot(ctx.scenarioDir, file);
  const facts = await inspectSnapshot((await etcdTools(ctx)).etcdutl, path, 'given');
  await ctx.audit.record({ action: 'backup.read', subject: path, details: { kind: 'etcd snapshot file', revision: facts.revision, totalKeys: facts.totalKeys, sha256: facts.sha256 } });
  const writer = await ctx.store.create({ strategy: STRATEGY_ID, cluster: { name: basename(path), provider: 'etcd snapshot file', kubernetesVersion: 'unknown', etcdVersion: facts.storageVersion } });
  try {
    await writer.putFile(SNAPSHOT_ARTIFACT, path, { sealed: true, mediaType: 'application/x-etcd-snapshot' });
    const stored = await storeMaterial(writer, material);
    const importNotes = [
      `plain etcd snapshot ${file.startsWith('s3://') ? file : basename(path)} (revision ${facts.revision}, ${facts.totalKeys} keys, saved ${new Date(savedAt).toISOString()}), checked by etcd's hash before use`,
      ...CONSEQUENCES.filter(([field]) => !given[field]).map(([, consequence]) => consequence),
    ];
    for (const note of importNotes.slice(1)) ctx.logger.warn(note);
    const manifest = await writer.commit({
      revision: facts.revision, hash: facts.hash, totalKeys: facts.totalKeys, sizeBytes: facts.fileSizeBytes, dbSizeBytes: facts.dbSizeBytes,
      sha256: facts.sha256, storageVersion: facts.storageVersion, etcdVersion: facts.storageVersion, kubernetesVersion: 'unknown',
      sealed: true, material: stored, importedFrom: basename(path), savedAt: new Date(savedAt).toISOString(), importNotes,
    });
    return { manifest, savedAt };
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}

async function localSnapshot(baseDir: string, file: string): Promise<{ path: string; savedAt: number }> {
  const path = resolve(baseDir, file);
  const info = await stat(path).catch(() => {
    throw new KdrillError('E_BACKUP_NOT_FOUND', `etcd snapshot ${path} does not exist`, { hint: 'backup.from.etcdSnapshot is a file path (relative to the scenario file) or an s3://bucket/key URL' });
  });
  return { path, savedAt: info.mtimeMs };
}

/** Resolves and checks every named material file: a typo must stop the drill, not quietly drop the keys. */
async function materialPaths(baseDir: string, given: PlainSnapshotMaterial): Promise<ClusterSecretsMaterial> {
  const fields: [keyof PlainSnapshotMaterial, keyof ClusterSecretsMaterial][] = [
    ['encryptionConfig', 'encryptionConfigPath'],
    ['serviceAccountKey', 'serviceAccountKeyPath'],
    ['serviceAccountPublicKey', 'serviceAccountPublicKeyPath'],
    ['caCert', 'caCertPath'],
    ['caKey', 'caKeyPath'],
  ];
  const out: ClusterSecretsMaterial = {};
  for (const [field, target] of fields) {
    const value = given[field];
    if (!value) continue;
    const path = resolve(baseDir, value);
    await access(path).catch(() => {
      throw new KdrillError('E_BACKUP_NOT_FOUND', `backup.from.material.${field}: ${path} does not exist`, { hint: 'paths are relative to the scenario file; leave the field out if you do not have that file (the report says what that costs)' });
    });
    out[target] = path;
  }
  return out;
}
