import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import type { StartedK3sContainer } from '@testcontainers/k3s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { silentLogger } from '../../core/logger.js';
import { K3sCluster } from './cluster.js';
import { supervisorCommand } from './supervisor.js';

/** Stands in for testcontainers' started container: records calls, answers like k3s and the supervisor would. */
class FakeContainer {
  readonly calls: string[][] = [];
  readonly copiedIn: { source: string; target: string }[] = [];
  readonly contentIn: { content: string; target: string }[] = [];
  stopped: unknown[] = [];
  resetResult = '0\nlevel=info msg="Managed etcd cluster membership has been reset"';
  snapshotName = '';

  constructor(private readonly hostFiles: Map<string, string>) {}

  async exec(argv: string[]) {
    this.calls.push(argv);
    const ok = (stdout = '') => ({ exitCode: 0, stdout, stderr: '', output: stdout });
    if (same(argv, supervisorCommand('reset-result'))) return ok(this.resetResult);
    if (argv[0] === 'k3s' && argv[2] === 'save') this.snapshotName = (argv[3] ?? '').replace('--name=', '');
    if (argv[2]?.startsWith('for f in')) return ok(`${argv[4]}/${this.snapshotName}-node1-1700000000\n`);
    return ok();
  }
  async copyArchiveFromContainer(path: string): Promise<Readable> {
    const host = this.hostFiles.get(path) ?? this.hostFiles.get(`${dirname(path)}/*`);
    if (!host) throw new Error(`fake container has no ${path}`);
    return execa('tar', ['-cf', '-', '-C', dirname(host), basename(host)], { encoding: 'buffer' }).stdout as unknown as Readable;
  }
  async copyFilesToContainer(files: { source: string; target: string }[]) {
    this.copiedIn.push(...files);
  }
  async copyContentToContainer(contents: { content: string; target: string }[]) {
    this.contentIn.push(...contents);
  }
  async stop(options: unknown) {
    this.stopped.push(options);
  }
  getId = () => '0123456789abcdef';
  getHost = () => 'localhost';
  getMappedPort = (port: number) => 40_000 + port;
}

function same(a: string[], b: string[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

let root: string;
const SNAPSHOT_BYTES = Buffer.from('bbolt snapshot bytes '.repeat(500));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kdrill-k3s-cluster-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function setup(): Promise<{ cluster: K3sCluster; fake: FakeContainer; dir: string }> {
  const dir = await mkdtemp(join(root, 'cluster-'));
  await writeFile(join(dir, 'token'), 'old-token\n', { mode: 0o600 });
  const snap = join(root, 'kdrill-snap.db');
  await writeFile(snap, SNAPSHOT_BYTES);
  const k3sYaml = join(root, 'k3s.yaml');
  await writeFile(k3sYaml, 'apiVersion: v1\nkind: Config\nclusters:\n- name: default\n  cluster:\n    certificate-authority-data: TkVXQ0E=\n    server: https://127.0.0.1:6443\n');
  const fake = new FakeContainer(new Map([
    ['/var/lib/rancher/k3s/server/db/snapshots/*', snap],
    ['/etc/rancher/k3s/k3s.yaml', k3sYaml],
  ]));
  const cluster = new K3sCluster('drill', fake as unknown as StartedK3sContainer, dir, { kubernetes: 'v1.37.1+k3s1' }, silentLogger);
  return { cluster, fake, dir };
}

describe('K3sCluster against a fake container', () => {
  it('takeEtcdSnapshot saves with k3s, streams the file out byte for byte and deletes it in the container', async () => {
    const { cluster, fake } = await setup();
    const dest = join(root, 'out.db');
    const result = await cluster.takeEtcdSnapshot(dest);
    expect(result).toEqual({ path: dest, sizeBytes: SNAPSHOT_BYTES.length });
    expect((await readFile(dest)).equals(SNAPSHOT_BYTES)).toBe(true);
    expect(fake.calls[0]).toEqual(['k3s', 'etcd-snapshot', 'save', `--name=${fake.snapshotName}`]);
    const file = `${fake.snapshotName}-node1-1700000000`;
    expect(fake.calls.at(-1)?.slice(3)).toEqual(['kdrill', file, `/var/lib/rancher/k3s/server/db/snapshots/${file}`]);
    await cluster.destroy();
  });

  it('restore copies the snapshot in, adopts the snapshot cluster token, resets once and refreshes the kubeconfig', async () => {
    const { cluster, fake, dir } = await setup();
    let readyChecks = 0;
    cluster.waitReady = async () => void readyChecks++;
    const token = join(root, 'material-token');
    await writeFile(token, 'token-of-the-snapshot-cluster\n');

    await cluster.restoreEtcdSnapshot(join(root, 'kdrill-snap.db'), { serverTokenPath: token });

    const target = fake.copiedIn[0]?.target ?? '';
    expect(target).toMatch(/^\/var\/lib\/rancher\/k3s\/server\/db\/snapshots\/kdrill-restore-\d+\.db$/);
    expect(fake.contentIn).toEqual([{ content: 'token-of-the-snapshot-cluster\n', target: '/kdrill/token', mode: 0o600 }]);
    expect(await readFile(join(dir, 'token'), 'utf8')).toBe('token-of-the-snapshot-cluster\n');
    const reset = fake.calls.findIndex((c) => same(c, supervisorCommand('reset', target)));
    expect(reset).toBeGreaterThan(0);
    expect(fake.calls.slice(reset).some((c) => same(c, ['rm', '-f', target]))).toBe(true);
    const kubeconfig = parse(await readFile(cluster.kubeconfigPath, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
    expect(kubeconfig.clusters[0]?.cluster).toEqual({ 'certificate-authority-data': 'TkVXQ0E=', server: 'https://localhost:46443' });
    expect((await stat(cluster.kubeconfigPath)).mode & 0o777).toBe(0o600);
    expect(readyChecks).toBe(1);
    await cluster.destroy();
  });

  it('a failed --cluster-reset is an error carrying the k3s log, and readiness is not awaited', async () => {
    const { cluster, fake } = await setup();
    fake.resetResult = '1\nlevel=fatal msg="bootstrap data already found and encrypted with different token"';
    let readyChecks = 0;
    cluster.waitReady = async () => void readyChecks++;
    const error = await cluster.restoreEtcdSnapshot(join(root, 'kdrill-snap.db')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_COMMAND' });
    expect((error as Error).message).toMatch(/failed \(exit 1\):\n.*encrypted with different token/);
    expect(fake.contentIn).toEqual([]);
    expect(readyChecks).toBe(0);
    await cluster.destroy();
  });

  it('controls only kube-apiserver (the whole server) and destroy removes container and folder once', async () => {
    const { cluster, fake, dir } = await setup();
    await cluster.killComponent('kube-apiserver');
    expect(fake.calls.at(-1)).toEqual(supervisorCommand('kill'));
    await expect(cluster.stopComponent('etcd')).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID' });
    await cluster.destroy();
    await cluster.destroy();
    expect(fake.stopped).toEqual([{ remove: true, removeVolumes: true, timeout: 10_000 }]);
    expect(existsSync(dir)).toBe(false);
  });
});
