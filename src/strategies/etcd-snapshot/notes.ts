import type { Cluster, ClusterSecretsMaterial } from '../../providers/types.js';
import type { BackupManifest } from '../../store/types.js';
import type { SnapshotFacts } from './snapshot-file.js';
import { minorDistance } from '../../kube/version-skew.js';

/** What a restore report says beyond counts: revision, timing, which keys were installed, version skew. */
export function restoreNotes(input: {
  cluster: Cluster;
  manifest: BackupManifest;
  facts: SnapshotFacts;
  material: ClusterSecretsMaterial | undefined;
  timing: { restoreMs: number; totalMs: number };
  members?: 'all' | 'first';
}): string[] {
  const { cluster, manifest, facts, material, timing } = input;
  const notes = [
    `restored etcd revision ${facts.revision} (${facts.totalKeys} keys, ${facts.fileSizeBytes} bytes) from backup ${manifest.id} into cluster ${cluster.name} in ${(timing.restoreMs / 1000).toFixed(1)}s (${(timing.totalMs / 1000).toFixed(1)}s with read and checks)`,
  ];
  const members = cluster.etcdMembers?.list() ?? [];
  if (members.length > 1) notes.push(membersNote(members.map((m) => m.name), input.members ?? 'all'));
  if (!material) {
    notes.push(`restoreMaterial is false: cluster ${cluster.name} kept its own encryption config and service-account keys, so Secrets encrypted with the backup's keys are unreadable`);
  } else {
    const installed = Object.keys(material);
    notes.push(installed.length ? `installed the backup's secrets material: ${installed.join(', ')}` : 'the backup holds no secrets material: the cluster keeps its own encryption config and keys');
    if (!material.encryptionConfigPath) notes.push('no encryption config in the backup: encrypted Secrets are readable only if the target already has the same keys');
  }
  // A plain snapshot file taken into kdrill's store says where it came from and what its missing material costs.
  const imported = manifest.metadata.importNotes;
  if (Array.isArray(imported)) notes.push(...imported.filter((n): n is string => typeof n === 'string'));
  const skew = minorSkew(manifest.cluster.kubernetesVersion, cluster.versions.kubernetes);
  if (skew) notes.push(skew);
  return notes;
}

function minorSkew(from: string, to: string): string | undefined {
  const distance = minorDistance(from, to);
  if (distance === undefined || distance === 0) return undefined;
  return `the backup comes from Kubernetes ${from}, the target runs ${to}: objects are read with the target's storage versions; run the checks before trusting it`;
}

function membersNote(names: string[], mode: 'all' | 'first'): string {
  if (mode === 'all') return `every etcd member (${names.join(', ')}) restored from the same snapshot with a new cluster token, bumped revision and compaction mark`;
  return `only ${names[0]} restored from the snapshot (members: first); ${names.slice(1).join(', ')} started from their own data dirs`;
}
