import type { KubeClient } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';

/** Namespace of kdrill's own bookkeeping objects; checks exclude it (label kdrill.dev/internal). */
export const MARKER_NAMESPACE = 'kdrill-system';
export const INTERNAL_LABEL = 'kdrill.dev/internal';
const BASE = `/api/v1/namespaces/${MARKER_NAMESPACE}/configmaps`;

/**
 * Marker writes measure data loss: one before the backup (must survive any restore) and a few after it (a restore
 * from that backup loses them unless the disaster spared them). Counting survivors gives the lost writes behind RPO.
 */
export async function ensureMarkerNamespace(client: KubeClient, runId: string): Promise<void> {
  await client.apply(`/api/v1/namespaces/${MARKER_NAMESPACE}`, {
    apiVersion: 'v1', kind: 'Namespace', metadata: { name: MARKER_NAMESPACE, labels: { [INTERNAL_LABEL]: 'true', 'kdrill.dev/run-id': runId } },
  });
}

export async function writeMarker(client: KubeClient, runId: string, name: string, now: number): Promise<void> {
  await client.apply(`${BASE}/${name}`, {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name, namespace: MARKER_NAMESPACE, labels: { [INTERNAL_LABEL]: 'true', 'kdrill.dev/run-id': runId, 'kdrill.dev/marker': 'true' } },
    data: { writtenAt: new Date(now).toISOString() },
  });
}

/** How many of `names` exist now. */
export async function countMarkers(client: KubeClient, names: string[]): Promise<number> {
  let found = 0;
  for (const name of names) {
    try {
      await client.get(`${BASE}/${name}`);
      found++;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return found;
}
