import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import type { BinaryGroup, BuildOptions } from '../../src/providers/local/build.js';
import { cachedBinDirs, pinnedVersions } from '../../src/providers/local/binaries.js';
import { installBinaries, type InstallOptions } from '../../src/providers/local/install.js';
import { freePort } from '../support/test-bin.js';

// A mirror with the upstream layout (dl.k8s.io and github.com paths), made from the binaries the suite already built,
// served by a real HTTP server that can break one path at a time. Only the Go build step is replaced (a stub that
// records what it was asked to build); every download, checksum and fallback decision is the real code's.
const run = promisify(execFile);
const versions = pinnedVersions();
const source = cachedBinDirs(versions);
const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
const skip = !existsSync(source.kube) || !existsSync(source.etcd) || process.platform !== 'linux' || !arch;
const KUBE = ['kube-apiserver', 'kube-controller-manager', 'kubectl'];
const KUBE_PATH = `/release/${versions.kubernetes}/bin/linux/${arch}`;
const ETCD_PATH = `/etcd-io/etcd/releases/download/${versions.etcd}`;
const ETCD_TGZ = `etcd-${versions.etcd}-linux-${arch}.tar.gz`;

type Fault = '404' | 'truncate' | 'tampered-digest';
let mirror: string;
let server: Server;
let base: string;
let faults = new Map<string, Fault>();
let requests: string[] = [];
let work: string;

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

beforeAll(async () => {
  if (skip) return;
  mirror = await mkdtemp(join(tmpdir(), 'kdrill-mirror-'));
  await mkdir(join(mirror, KUBE_PATH), { recursive: true });
  for (const name of KUBE) {
    await symlink(join(source.kube, name), join(mirror, KUBE_PATH, name));
    await writeFile(join(mirror, KUBE_PATH, `${name}.sha256`), `${await sha256(join(source.kube, name))}\n`);
  }
  const stage = join(mirror, 'stage', `etcd-${versions.etcd}-linux-${arch}`);
  await mkdir(stage, { recursive: true });
  for (const name of ['etcd', 'etcdctl', 'etcdutl']) await symlink(join(source.etcd, name), join(stage, name));
  await mkdir(join(mirror, ETCD_PATH), { recursive: true });
  await run('tar', ['-czhf', join(mirror, ETCD_PATH, ETCD_TGZ), '-C', join(mirror, 'stage'), `etcd-${versions.etcd}-linux-${arch}`]);
  const sums = [`${'ab'.repeat(32)}  etcd-${versions.etcd}-darwin-amd64.zip`, `${await sha256(join(mirror, ETCD_PATH, ETCD_TGZ))}  ${ETCD_TGZ}`];
  await writeFile(join(mirror, ETCD_PATH, 'SHA256SUMS'), sums.join('\n') + '\n');
  server = createServer((req, res) => void serve(req.url ?? '/', res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}, 240_000);

afterAll(async () => {
  server?.close();
  if (mirror) await rm(mirror, { recursive: true, force: true });
});

afterEach(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function serve(path: string, res: ServerResponse): Promise<void> {
  requests.push(path);
  const file = join(mirror, path);
  const fault = faults.get(path);
  if (fault === '404' || !existsSync(file)) return void res.writeHead(404).end('not found');
  if (fault === 'tampered-digest') return void res.end(`${createHash('sha256').update('tampered').digest('hex')}\n`);
  const { size } = await stat(file);
  res.writeHead(200, { 'content-length': size });
  if (fault !== 'truncate') return void createReadStream(file).pipe(res);
  // Half a megabyte, then the connection drops: a download cut short.
  createReadStream(file, { end: 512 * 1024 - 1 })
    .on('end', () => setImmediate(() => res.socket?.destroy()))
    .pipe(res, { end: false });
}

/** installBinaries into a fresh cache folder, with the Go build stubbed; returns what happened. */
async function install(env: NodeJS.ProcessEnv, extra: Partial<InstallOptions> = {}) {
  work = await mkdtemp(join(tmpdir(), 'kdrill-cache-'));
  requests = [];
  const lines: string[] = [];
  const built: BinaryGroup[][] = [];
  const dirs = { kube: join(work, 'bin', `kubernetes-${versions.kubernetes}`), etcd: join(work, 'bin', `etcd-${versions.etcd}`) };
  const goBuild = async (o: BuildOptions) => {
    built.push([...(o.groups ?? [])]);
    for (const group of o.groups ?? []) {
      await mkdir(o.dirs[group], { recursive: true });
      await writeFile(join(o.dirs[group], 'built-by-go'), '');
    }
  };
  const logger = createLogger({ format: 'human', level: 'info', write: (line) => lines.push(line) });
  const outcome = installBinaries({ logger, dirs, versions, env, goBuild, ...extra });
  return { outcome, lines, built, dirs };
}

const cacheEntries = async () => (await readdir(join(work, 'bin')).catch(() => [])).sort();

describe.skipIf(skip)('control-plane binaries from a mirror of the official releases', () => {
  it('downloads and verifies every binary, caches exactly the released files, and they run', async () => {
    faults = new Map();
    const { outcome, built, dirs, lines } = await install({ KDRILL_BINARY_MIRROR: `${base}/` });
    expect(await outcome).toEqual({ kube: 'downloaded', etcd: 'downloaded' });
    expect(built).toEqual([]);
    for (const name of KUBE) expect(await sha256(join(dirs.kube, name))).toBe(await sha256(join(source.kube, name)));
    expect((await readdir(dirs.etcd)).sort()).toEqual(['etcd', 'etcdctl', 'etcdutl']);
    expect(await sha256(join(dirs.etcd, 'etcdutl'))).toBe(await sha256(join(source.etcd, 'etcdutl')));
    expect((await run(join(dirs.kube, 'kube-apiserver'), ['--version'])).stdout).toContain(`Kubernetes ${versions.kubernetes}`);
    expect((await run(join(dirs.etcd, 'etcd'), ['--version'])).stdout).toContain(`etcd Version: ${versions.etcd.replace(/^v/, '')}`);
    expect(lines.join('\n')).toContain(`downloading Kubernetes ${versions.kubernetes} from ${base}`);
    expect(await cacheEntries()).toEqual([`etcd-${versions.etcd}`, `kubernetes-${versions.kubernetes}`]);
  });

  it('refuses a file whose checksum does not match, naming the file and both digests, and caches nothing', async () => {
    faults = new Map([[`${KUBE_PATH}/kube-apiserver.sha256`, 'tampered-digest']]);
    const { outcome, built } = await install({ KDRILL_BINARY_MIRROR: base });
    const real = await sha256(join(source.kube, 'kube-apiserver'));
    const published = createHash('sha256').update('tampered').digest('hex');
    await expect(outcome).rejects.toMatchObject({ code: 'E_CHECKSUM', message: expect.stringMatching(new RegExp(`^kube-apiserver from ${base}.*expected ${published}.*got ${real}`)) });
    expect(built).toEqual([]);
    expect(await cacheEntries()).toEqual([]);
  });

  it('falls back to the Go build for a truncated download, saying why in one line, and keeps nothing of it', async () => {
    faults = new Map([[`${KUBE_PATH}/kube-controller-manager`, 'truncate']]);
    const { outcome, built, dirs, lines } = await install({ KDRILL_BINARY_MIRROR: base });
    expect(await outcome).toEqual({ kube: 'built', etcd: 'downloaded' });
    expect(built).toEqual([['kube']]);
    expect(await readdir(dirs.kube)).toEqual(['built-by-go']);
    const warning = lines.filter((l) => l.includes('official binaries not used'));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(/Kubernetes v[\d.]+: official binaries not used \(.*kube-controller-manager was truncated: \d+ of \d+ bytes.*\); building from the Go module proxy instead/);
    expect(await cacheEntries()).toEqual([`etcd-${versions.etcd}`, `kubernetes-${versions.kubernetes}`]);
  });

  it('falls back for a 404, and never downloads a file whose checksum is not published', async () => {
    faults = new Map<string, Fault>([
      [`${KUBE_PATH}/kube-apiserver`, '404'],
      [`${ETCD_PATH}/SHA256SUMS`, '404'],
    ]);
    const { outcome, built, lines } = await install({ KDRILL_BINARY_MIRROR: base });
    expect(await outcome).toEqual({ kube: 'built', etcd: 'built' });
    expect(built).toEqual([['kube', 'etcd']]);
    expect(lines.join('\n')).toContain(`HTTP 404 from ${base}${KUBE_PATH}/kube-apiserver`);
    expect(requests).not.toContain(`${ETCD_PATH}/${ETCD_TGZ}`);
  });

  it('with no network at all, builds everything with Go', async () => {
    const { outcome, built, lines } = await install({ KDRILL_BINARY_MIRROR: `http://127.0.0.1:${await freePort()}` });
    expect(await outcome).toEqual({ kube: 'built', etcd: 'built' });
    expect(built).toEqual([['kube', 'etcd']]);
    expect(lines.filter((l) => /official binaries not used \(cannot download .*ECONNREFUSED/.test(l))).toHaveLength(2);
  });

  it('keeps what is cached, and --from-source (from: go) builds without asking the network', async () => {
    const { outcome, built } = await install({ KDRILL_BINARY_MIRROR: base }, { from: 'go' });
    expect(await outcome).toEqual({ kube: 'built', etcd: 'built' });
    expect(requests).toEqual([]);
    expect(built).toEqual([['kube', 'etcd']]);
    const again = await installBinaries({ logger: createLogger({ write: () => undefined }), dirs: cachedBinDirs(versions), versions, env: { KDRILL_BINARY_MIRROR: base } });
    expect(again).toEqual({ kube: 'cached', etcd: 'cached' });
    expect(requests).toEqual([]);
  });

  it('`kdrill cluster build` into an empty KDRILL_CACHE_DIR downloads from the mirror and lists the binaries', async () => {
    faults = new Map();
    work = await mkdtemp(join(tmpdir(), 'kdrill-cache-'));
    requests = [];
    const kdrill = join(import.meta.dirname, '../../bin/kdrill.js');
    const { stdout, stderr } = await run(process.execPath, [kdrill, 'cluster', 'build'], { env: { ...process.env, KDRILL_CACHE_DIR: work, KDRILL_BINARY_MIRROR: base } });
    expect(stdout).toContain(`kubernetes ${versions.kubernetes}, etcd ${versions.etcd.replace(/^v/, '')} in ${join(work, 'bin')}`);
    expect(stderr).toContain('downloaded Kubernetes');
    expect(requests).toContain(`${ETCD_PATH}/${ETCD_TGZ}`);
  });
});
