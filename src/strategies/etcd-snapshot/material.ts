import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterSecretsMaterial } from '../../providers/types.js';
import type { BackupReader, BackupWriter } from '../../store/types.js';

type MaterialField = keyof ClusterSecretsMaterial;

/** Artifact name of each material file inside an etcd-snapshot backup. */
export const MATERIAL_ARTIFACTS: Readonly<Record<MaterialField, string>> = {
  encryptionConfigPath: 'material/encryption-config.yaml',
  serviceAccountKeyPath: 'material/service-account.key',
  serviceAccountPublicKeyPath: 'material/service-account.pub',
  caCertPath: 'material/ca.crt',
  caKeyPath: 'material/ca.key',
  serverTokenPath: 'material/server-token',
};

const FIELDS = Object.keys(MATERIAL_ARTIFACTS) as MaterialField[];

/** Stores every material file the cluster names and has on disk, always sealed; returns the fields stored. */
export async function storeMaterial(writer: BackupWriter, material: ClusterSecretsMaterial | undefined): Promise<MaterialField[]> {
  const stored: MaterialField[] = [];
  for (const field of FIELDS) {
    const path = material?.[field];
    if (!path || !existsSync(path)) continue;
    await writer.putFile(MATERIAL_ARTIFACTS[field], path, { sealed: true, mediaType: 'application/octet-stream' });
    stored.push(field);
  }
  return stored;
}

/** Decrypts the backup's material files into `dir` (files 0600) and names them as the cluster expects. */
export async function fetchMaterial(reader: BackupReader, dir: string): Promise<ClusterSecretsMaterial> {
  const names = new Set(reader.manifest.artifacts.map((a) => a.name));
  const material: ClusterSecretsMaterial = {};
  for (const field of FIELDS) {
    const name = MATERIAL_ARTIFACTS[field];
    if (!names.has(name)) continue;
    const path = join(dir, name.replace('material/', ''));
    await reader.getToFile(name, path);
    material[field] = path;
  }
  return material;
}
