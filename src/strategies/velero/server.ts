import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { KdrillError } from '../../core/errors.js';
import { sleep } from '../../core/sleep.js';
import type { DrillContext } from '../../contracts/types.js';
import type { KubeObject } from '../../kube/types.js';
import { freePort } from '../../providers/local/ports.js';
import { logTail, startProcess, stopProcessGroup } from '../../providers/local/process.js';
import type { VeleroBinaries } from './binaries.js';
import type { ObjectStore } from './object-store.js';

export const VELERO_NAMESPACE = 'velero';
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Polls `check` every 500 ms until it returns a value; E_TIMEOUT naming `what` at the deadline. */
export async function waitUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, signal: AbortSignal, what: string, hint: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new KdrillError('E_TIMEOUT', `timed out after ${Math.round(timeoutMs / 1000)}s waiting until ${what}`, { hint });
    await sleep(500, signal);
  }
}

/**
 * What Velero needs in a cluster when its server runs outside it (upstream "run locally"): its CRDs, the velero
 * namespace, a 0-replica `velero` Deployment (the pod-volume restore action reads it for the image on every restore;
 * without it each restore ends PartiallyFailed with 0 items), and the BackupStorageLocation `default`.
 */
export async function prepareCluster(ctx: DrillContext, bin: VeleroBinaries, store: ObjectStore): Promise<void> {
  const { stdout } = await execa(bin.velero, ['install', '--crds-only', '--dry-run', '-o', 'yaml'], { timeout: 60_000 });
  // `velero install -o yaml` prints one List of CRDs (older versions: one document per CRD).
  const docs = parseAllDocuments(stdout).map((d) => d.toJSON() as (KubeObject & { items?: KubeObject[] }) | null);
  const crds = docs.flatMap((d) => (d?.kind === 'List' ? d.items ?? [] : d ? [d] : [])).filter((d) => d.kind === 'CustomResourceDefinition');
  if (crds.length === 0) throw new KdrillError('E_COMMAND', 'velero install --crds-only --dry-run printed no CustomResourceDefinition', { hint: `check the velero binary: ${bin.velero} version --client-only` });
  for (const crd of crds) await ctx.client.apply(`${CRD_PATH}/${crd.metadata.name}`, crd);
  await waitUntil(async () => {
    const ready = await Promise.all(crds.map(async (c) => established(await ctx.client.getOptional<KubeObject>(`${CRD_PATH}/${c.metadata.name}`))));
    return ready.every(Boolean) ? true : undefined;
  }, 60_000, ctx.signal, "Velero's CRDs are Established", 'check the CRDs with kubectl describe crd');
  // Established is not yet served: wait until discovery lists the kinds written below.
  await waitUntil(async () => {
    const list = await ctx.client.getOptional<{ resources?: { name: string }[] }>('/apis/velero.io/v1');
    return list?.resources?.some((r) => r.name === 'backupstoragelocations') ? true : undefined;
  }, 60_000, ctx.signal, 'the apiserver serves velero.io/v1', 'check the apiserver log');
  const ns = VELERO_NAMESPACE;
  await ctx.client.apply(`/api/v1/namespaces/${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await ctx.client.apply(`/apis/apps/v1/namespaces/${ns}/deployments/velero`, {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'velero', namespace: ns },
    spec: {
      replicas: 0, selector: { matchLabels: { app: 'velero' } },
      template: { metadata: { labels: { app: 'velero' } }, spec: { containers: [{ name: 'velero', image: 'velero/velero:v1.18.3' }] } },
    },
  });
  await ctx.client.apply(`/apis/velero.io/v1/namespaces/${ns}/backupstoragelocations/default`, {
    apiVersion: 'velero.io/v1', kind: 'BackupStorageLocation', metadata: { name: 'default', namespace: ns },
    spec: {
      provider: 'aws', default: true,
      objectStorage: { bucket: store.bucket },
      config: { region: store.region, s3ForcePathStyle: 'true', s3Url: store.url, checksumAlgorithm: '' },
    },
  });
}

function established(crd: KubeObject | undefined): boolean {
  const conditions = (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === 'Established' && c.status === 'True');
}

/** A Velero server running outside the cluster, against `kubeconfig`; `stop()` always ends it. */
export interface VeleroServer {
  stop(): Promise<void>;
  logFile: string;
}

export async function startServer(ctx: DrillContext, bin: VeleroBinaries, store: ObjectStore, purpose: string): Promise<VeleroServer> {
  const dir = join(ctx.workDir, `velero-${purpose}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const credentials = join(dir, 'credentials');
  await writeFile(credentials, `[default]\naws_access_key_id=${store.accessKey}\naws_secret_access_key=${store.secretKey}\n`, { mode: 0o600 });
  const logFile = join(ctx.artifactsDir, `velero-server-${purpose}.log`);
  const metrics = await freePort();
  const args = ['server', '--kubeconfig', ctx.cluster.kubeconfigPath, '--namespace', VELERO_NAMESPACE, '--plugin-dir', bin.pluginDir,
    '--metrics-address', `127.0.0.1:${metrics}`, '--features=', '--backup-sync-period', '5s', '--store-validation-frequency', '5s'];
  const proc = startProcess(bin.velero, args, logFile, { ...process.env, AWS_SHARED_CREDENTIALS_FILE: credentials, HOME: dir });
  const server = { logFile, stop: () => stopProcessGroup(proc.pid, 10_000) };
  try {
    await waitUntil(async () => {
      if (proc.hasExited()) throw new KdrillError('E_COMMAND', `velero server exited at start:\n${logTail(logFile)}`, { hint: `full log: ${logFile}` });
      const bsl = await ctx.client.getOptional<KubeObject>(`/apis/velero.io/v1/namespaces/${VELERO_NAMESPACE}/backupstoragelocations/default`);
      return (bsl?.status as { phase?: string } | undefined)?.phase === 'Available' ? true : undefined;
    }, 120_000, ctx.signal, 'the BackupStorageLocation is Available', `check the bucket, endpoint and credentials; velero server log: ${logFile}`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}
