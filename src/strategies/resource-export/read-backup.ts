import { KdrillError } from '../../core/errors.js';
import type { AuditLog } from '../../audit/audit-log.js';
import type { KubeObject } from '../../kube/types.js';
import type { BackupManifest, BackupReader } from '../../store/types.js';
import { assertSealedAsDeclared } from '../../store/seal-policy.js';
import { INDEX_NAME, type BackupIndex, type IndexedResource } from './layout.js';
import type { BackedUpResource } from './plan.js';
import { mapLimit } from '../../core/map-limit.js';

const READ_PARALLELISM = 2;

/**
 * index.json and every artifact (or those `only` selects), read (hash-checked and decrypted by the store) before the
 * restore writes anything.
 */
export async function readBackup(
  reader: BackupReader,
  audit: AuditLog,
  only: (entry: IndexedResource) => boolean = () => true,
): Promise<{ index: BackupIndex; resources: BackedUpResource[] }> {
  const { manifest } = reader;
  const index = parseJson<BackupIndex>(await reader.get(INDEX_NAME), INDEX_NAME, manifest);
  if (index.formatVersion !== 1 || !Array.isArray(index.resources)) {
    throw corrupt(manifest, INDEX_NAME, `formatVersion ${JSON.stringify(index.formatVersion)} is not one this kdrill reads`);
  }
  // Kinds sealed through sealKinds: the index (hash-checked under the manifest MAC) says which; none may be plaintext.
  assertSealedAsDeclared(manifest, index.resources.filter((r) => r.sealed).map((r) => r.artifact));
  // Two at a time: each artifact is held as bytes, text and objects while it is parsed.
  const resources = await mapLimit(index.resources.filter(only), READ_PARALLELISM, async (entry) => {
    const items = parseJson<KubeObject[]>(await reader.get(entry.artifact), entry.artifact, manifest);
    if (!Array.isArray(items) || items.length !== entry.count) {
      throw corrupt(manifest, entry.artifact, `it holds ${Array.isArray(items) ? items.length : 'no'} objects, index.json says ${entry.count}`);
    }
    return { entry, items };
  });
  const objects = resources.reduce((sum, r) => sum + r.items.length, 0);
  await audit.record({ action: 'backup.read', subject: manifest.id, details: { strategy: manifest.strategy, artifacts: resources.length + 1, objects } });
  return { index, resources };
}

function parseJson<T>(data: Buffer, name: string, manifest: BackupManifest): T {
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch {
    throw corrupt(manifest, name, 'it is not valid JSON');
  }
}

function corrupt(manifest: BackupManifest, name: string, why: string): KdrillError {
  return new KdrillError('E_BACKUP_CORRUPT', `backup ${manifest.id}: ${name} is unusable: ${why}`, {
    hint: 'run `kdrill backups verify` on it, and restore from another backup',
  });
}
