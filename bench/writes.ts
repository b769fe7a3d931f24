import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/core/logger.js';
import { FIELD_MANAGER, KubeClient } from '../src/kube/client.js';
import { createLocalCluster } from '../src/providers/local/create.js';
import type { LocalCluster } from '../src/providers/local/cluster.js';
import { cpuSeconds } from './cpu.js';
import { encodeSecret, PROTOBUF, rawPoster, type SecretBody } from './protobuf.js';
import type { SuiteOutput } from './results.js';
import type { Cell } from './table.js';

type Poster = Awaited<ReturnType<typeof rawPoster>>;
const JSON_TYPE = 'application/json';
const secretsOf = (ns: string) => `/api/v1/namespaces/${ns}/secrets`;

/** The ways one object can be written: what a restore can choose between for an object the target lacks. */
const MODES = {
  'POST (create)': (client: KubeClient, ns: string, body: unknown) => client.create(`/api/v1/namespaces/${ns}/secrets`, body),
  'POST, fieldValidation=Strict': (client: KubeClient, ns: string, body: unknown) =>
    client.request('POST', `/api/v1/namespaces/${ns}/secrets`, { body, query: { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict' } }),
  'server-side apply (PATCH)': (client: KubeClient, ns: string, body: unknown, name: string) => client.apply(`/api/v1/namespaces/${ns}/secrets/${name}`, body),
  // The same POST with the body as bytes (no client JSON in the way), then as protobuf: what the wire format costs.
  'POST, JSON bytes': (_c: KubeClient, ns: string, body: unknown, _n: string, post: Poster) => post(secretsOf(ns), Buffer.from(JSON.stringify(body)), JSON_TYPE, JSON_TYPE),
  'POST, protobuf in, JSON out': (_c: KubeClient, ns: string, body: unknown, _n: string, post: Poster) => post(secretsOf(ns), encodeSecret(body as SecretBody), PROTOBUF, JSON_TYPE),
  'POST, protobuf in and out': (_c: KubeClient, ns: string, body: unknown, _n: string, post: Poster) => post(secretsOf(ns), encodeSecret(body as SecretBody), PROTOBUF, PROTOBUF),
} as const;
const ROUNDS = 2;

/**
 * The apiserver's and etcd's cost per written object, by write mode: N Secrets of ~1 KiB per mode and round, each
 * into a new namespace of one local cluster (etcd fsync on), `parallelism` requests in flight; CPU seconds from /proc.
 */
export async function runWritesBench(options: { sizes: number[]; parallelism: number }): Promise<SuiteOutput> {
  const home = await mkdtemp(join(tmpdir(), 'kdrill-bench-writes-'));
  const cluster = await createLocalCluster({ name: 'bench-writes', home, fsync: true, logger: createLogger({ level: 'warn' }) });
  const client = KubeClient.fromFile(cluster.kubeconfigPath);
  const post = await rawPoster(cluster.kubeconfigPath);
  const rows: Cell[][] = [];
  const runs: Record<string, unknown>[] = [];
  try {
    for (const size of options.sizes) {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const [mode, write] of Object.entries(MODES)) {
          process.stderr.write(`bench writes: ${mode}, ${size} Secrets, round ${round}\n`);
          const run = await timeWrites(cluster, client, `w${size}-${round}-${Object.keys(MODES).indexOf(mode)}`, size, options.parallelism, (c, ns, body, name) => write(c, ns, body, name, post));
          rows.push([size, mode, round, run.perSecond, run.apiserver, run.etcd, run.client]);
          runs.push({ size, mode, round, ...run });
        }
      }
    }
  } finally {
    client.close();
    await cluster.destroy();
    await rm(home, { recursive: true, force: true });
  }
  return {
    tables: [{ title: `writing N Secrets (~1 KiB) by mode, ${options.parallelism} in flight; CPU seconds per 1000 objects`, columns: ['N', 'mode', 'round', 'objects/s', 'apiserver CPU', 'etcd CPU', 'client CPU'], rows }],
    notes: ['resource-export creates absent objects with POST (fieldManager kdrill, fieldValidation Strict) and applies only where a live object must change', 'etcd runs with fsync on'],
    data: { runs },
  };
}

type Write = (client: KubeClient, ns: string, body: unknown, name: string) => Promise<unknown>;

async function timeWrites(cluster: LocalCluster, client: KubeClient, ns: string, size: number, parallelism: number, write: Write) {
  await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const bodies = Array.from({ length: size }, (_, i) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${i}`, namespace: ns, labels: { app: 'bench' } }, type: 'Opaque', data: { payload: randomBytes(700).toString('base64') } }));
  const cpu = () => ({ apiserver: cpuSeconds(cluster.state.pids['kube-apiserver']!) ?? 0, etcd: cpuSeconds(cluster.state.pids.etcd!) ?? 0, client: cpuSeconds('self') ?? 0 });
  const before = cpu();
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: parallelism }, async () => {
    while (next < size) {
      const i = next++;
      await write(client, ns, bodies[i], `s-${i}`);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const after = cpu();
  await assertWritten(client, ns, bodies[0]!);
  const per = (key: keyof typeof before) => Math.round(((after[key] - before[key]) / size) * 1000 * 100) / 100;
  return { perSecond: Math.round(size / seconds), apiserver: per('apiserver'), etcd: per('etcd'), client: per('client') };
}

/** A mode that writes something else than asked (a wrong protobuf encoding) fails the suite instead of looking fast. */
async function assertWritten(client: KubeClient, ns: string, body: { metadata: { name: string; labels: Record<string, string> }; data: Record<string, string> }): Promise<void> {
  const stored = await client.get<{ metadata: { labels?: Record<string, string> }; data?: Record<string, string> }>(`${secretsOf(ns)}/${body.metadata.name}`);
  if (JSON.stringify(stored.data) !== JSON.stringify(body.data) || JSON.stringify(stored.metadata.labels) !== JSON.stringify(body.metadata.labels)) {
    throw new Error(`bench writes: ${ns}/${body.metadata.name} was stored with other data or labels than were sent`);
  }
}
