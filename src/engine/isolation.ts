import type { Cluster } from '../providers/types.js';
import type { KubeClient } from '../kube/client.js';
import { discoverResources } from '../kube/discovery.js';
import { minorDistance } from '../kube/version-skew.js';
import type { BackupManifest } from '../store/types.js';
import type { IsolationReport } from '../contracts/types.js';

/**
 * Source vs isolated target: their versions, the skew between them, and the API versions the backup holds that the
 * target does not serve (a restore there cannot bring those objects back at that version).
 */
export async function isolationReport(
  source: { cluster: Pick<Cluster, 'name'>; version: string },
  target: { cluster: Pick<Cluster, 'name' | 'provider' | 'versions'>; client: KubeClient },
  backup: Pick<BackupManifest, 'cluster' | 'artifacts'>,
): Promise<IsolationReport> {
  const served = new Set((await discoverResources(target.client)).map((r) => `${r.group || 'core'}/${r.version}/${r.name}`));
  const held = backupResourceVersions(backup.artifacts.map((a) => a.name));
  const unserved = [...new Set(held.filter((r) => !served.has(r.id)).map((r) => r.groupVersion))].sort();
  const skew = versionSkew(source.version, target.cluster.versions.kubernetes);
  return {
    sourceCluster: source.cluster.name,
    sourceVersion: source.version,
    targetCluster: target.cluster.name,
    targetProvider: target.cluster.provider,
    targetVersion: target.cluster.versions.kubernetes,
    ...(backup.cluster.kubernetesVersion ? { backupVersion: backup.cluster.kubernetesVersion } : {}),
    ...(skew ? { skew } : {}),
    unservedApiVersions: unserved,
  };
}

/** The group/version/resource of every `resources/<group|core>/<version>/<resource>.json` artifact (resource-export). */
export function backupResourceVersions(artifacts: string[]): { id: string; groupVersion: string }[] {
  return artifacts.flatMap((name) => {
    const m = /^resources\/([^/]+)\/([^/]+)\/([^/]+)\.json$/.exec(name);
    if (!m) return [];
    const [, group, version, resource] = m as unknown as [string, string, string, string];
    return [{ id: `${group}/${version}/${resource}`, groupVersion: group === 'core' ? version : `${group}/${version}` }];
  });
}

/** "target is 7 minor versions newer than the source (v1.30.4 → v1.37.2)", or undefined when the minors match. */
export function versionSkew(source: string, target: string): string | undefined {
  const distance = minorDistance(source, target);
  if (distance === undefined) return source === target ? undefined : `versions not comparable (${source} → ${target})`;
  if (distance === 0) return undefined;
  const n = Math.abs(distance);
  const words = `${n} minor version${n === 1 ? '' : 's'}`;
  return `target is ${words} ${distance > 0 ? 'newer' : 'older'} than the source (${source} → ${target})${distance < 0 ? ': an older apiserver may not serve every API the source used' : ''}`;
}
