import type { KubeClient } from '../../kube/client.js';
import { mapLimit } from '../../core/map-limit.js';

/** A group version whose discovery document did not answer (an aggregated API whose backend is down, say). */
export interface DiscoveryFailure {
  groupVersion: string;
  error: string;
}

interface GroupList {
  groups: { name: string; versions: { groupVersion: string }[] }[];
}

/** Fetch the discovery document of every served group version; list the ones that fail. */
export async function checkDiscovery(client: KubeClient): Promise<{ groupVersions: number; failures: DiscoveryFailure[] }> {
  const failures: DiscoveryFailure[] = [];
  let groups: GroupList;
  try {
    groups = await client.get<GroupList>('/apis');
  } catch (error) {
    return { groupVersions: 0, failures: [{ groupVersion: '/apis', error: (error as Error).message }] };
  }
  const groupVersions = ['v1', ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
  await mapLimit(groupVersions, 6, async (gv) => {
    try {
      const doc = await client.get<{ resources?: unknown[] }>(gv === 'v1' ? '/api/v1' : `/apis/${gv}`);
      if (!Array.isArray(doc.resources)) failures.push({ groupVersion: gv, error: 'answer has no resource list' });
    } catch (error) {
      failures.push({ groupVersion: gv, error: (error as Error).message });
    }
  });
  return { groupVersions: groupVersions.length, failures: failures.sort((a, b) => a.groupVersion.localeCompare(b.groupVersion)) };
}
