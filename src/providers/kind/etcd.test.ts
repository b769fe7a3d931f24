import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { KindCluster } from './cluster.js';
import { restoreEtcdSnapshot, saveEtcdSnapshot } from './etcd.js';
import { kindUnavailableReason } from './index.js';
import { KindNode } from './node.js';

/**
 * Fake `docker` and `kind` CLIs for unit tests: they log every call to $FAKE_STATE/calls and simulate one kind
 * control-plane node (static pods stopped by moving manifests, an etcd container replaced once a manifest is written).
 */
const FAKE_DOCKER = `#!/bin/sh
S="$FAKE_STATE"
printf '%s\\n' "$*" >> "$S/calls"
case "$1" in
  info) echo "Cannot connect to the Docker daemon at unix:///fake.sock. Is the docker daemon running?" >&2; exit 1 ;;
  cp) case "$2" in *:*) printf 'snapshot-bytes' > "$3" ;; esac; exit 0 ;;
  exec) shift ;;
  *) exit 0 ;;
esac
[ "$1" = -i ] && shift
shift
case "$1 $2" in
  "crictl ps")
    name=\${5#io.kubernetes.container.name=}
    if [ -f "$S/stopped-$name" ]; then exit 0; fi
    if [ "$name" = etcd ]; then if [ -f "$S/written" ]; then echo etcd-new; else echo etcd-old; fi; else echo "$name-1"; fi ;;
  "crictl exec")
    case "$4 $5" in
      "etcdutl version") exit "\${FAKE_ETCDUTL_RC:-0}" ;;
      "etcdutl snapshot") exit "\${FAKE_RESTORE_RC:-0}" ;;
    esac ;;
  "sh -c")
    case "$3" in
      *"cat >"*) cat > "$S/written" ;;
      *"cat "*) if [ -f "$S/written" ]; then cat "$S/written"; else cat "$FAKE_MANIFEST"; fi ;;
      *mv*)
        pod=$(basename "$5" .yaml)
        case "$5" in /etc/kubernetes/manifests/*) touch "$S/stopped-$pod" ;; *) rm -f "$S/stopped-$pod" ;; esac ;;
    esac ;;
esac
exit 0
`;

const FAKE_KIND = `#!/bin/sh
printf 'kind %s\\n' "$*" >> "$FAKE_STATE/calls"
case "$1 $2" in
  "get clusters") printf '%s\\n' $FAKE_KIND_CLUSTERS ;;
esac
exit 0
`;

/** Write the fakes into `binDir` and return the env that points them at `stateDir`. */
export async function installFakeCli(binDir: string, stateDir: string, manifestPath: string): Promise<Record<string, string>> {
  await mkdir(binDir, { recursive: true });
  await mkdir(stateDir, { recursive: true });
  for (const [name, text] of [['docker', FAKE_DOCKER], ['kind', FAKE_KIND]] as const) {
    await writeFile(join(binDir, name), text);
    await chmod(join(binDir, name), 0o755);
  }
  return { FAKE_STATE: stateDir, FAKE_MANIFEST: manifestPath };
}

const MANIFEST = join(import.meta.dirname, 'fixtures', 'etcd.yaml');
let root: string;
let state: string;
let savedPath: string | undefined;
const savedEnv: Record<string, string | undefined> = {};

function setEnv(vars: Record<string, string>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (!(k in savedEnv)) savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kdrill-kind-fake-'));
  savedPath = process.env.PATH;
});
afterAll(async () => {
  process.env.PATH = savedPath;
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  state = await mkdtemp(join(root, 'state-'));
  const env = await installFakeCli(join(root, 'bin'), state, MANIFEST);
  setEnv({ ...env, PATH: `${join(root, 'bin')}${delimiter}${savedPath}`, FAKE_ETCDUTL_RC: '0', FAKE_RESTORE_RC: '0', FAKE_KIND_CLUSTERS: '' });
});
afterEach(() => {
  process.env.PATH = savedPath;
});

async function calls(): Promise<string[]> {
  return (await readFile(join(state, 'calls'), 'utf8')).trim().split('\n');
}
function indexOf(list: string[], fragment: string): number {
  const i = list.findIndex((c) => c.includes(fragment));
  if (i < 0) throw new Error(`no call contains "${fragment}":\n${list.join('\n')}`);
  return i;
}

const node = new KindNode('drill-control-plane');

describe('kind etcd restore, against a fake docker CLI', () => {
  it('stops the API pods, restores beside the old data, repoints etcd, waits for the new etcd, then restarts the API pods', async () => {
    const snapshot = join(root, 'snap.db');
    await writeFile(snapshot, 'snap');
    await restoreEtcdSnapshot(node, snapshot, { logger: silentLogger });
    const log = await calls();

    const stopApi = indexOf(log, 'kdrill /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/kdrill-stopped/kube-apiserver.yaml');
    const stopKcm = indexOf(log, 'kdrill /etc/kubernetes/manifests/kube-controller-manager.yaml');
    const stopSched = indexOf(log, 'kdrill /etc/kubernetes/manifests/kube-scheduler.yaml');
    const copy = indexOf(log, `cp ${snapshot} drill-control-plane:/var/lib/etcd/kdrill-restore-`);
    const restore = indexOf(log, 'crictl exec etcd-old etcdutl snapshot restore /var/lib/etcd/kdrill-restore-');
    const move = indexOf(log, 'exec drill-control-plane mv /var/lib/etcd/kdrill-restore-');
    const write = indexOf(log, 'exec -i drill-control-plane sh -c');
    const health = indexOf(log, 'crictl exec etcd-new etcdctl');
    const startApi = indexOf(log, 'kdrill /etc/kubernetes/kdrill-stopped/kube-apiserver.yaml /etc/kubernetes/manifests/kube-apiserver.yaml');
    expect(Math.max(stopApi, stopKcm, stopSched)).toBeLessThan(copy);
    expect([copy, restore, move, write, health, startApi]).toEqual([...[copy, restore, move, write, health, startApi]].sort((a, b) => a - b));
    expect(log[restore]).toMatch(/--name drill-control-plane --initial-cluster drill-control-plane=https:\/\/172\.18\.0\.2:2380 .* --bump-revision 1000000000 --mark-compacted$/);
    expect(log[health]).toContain('endpoint health');

    const stamp = /kdrill-restore-(\d+)/.exec(log[restore]!)?.[1];
    expect(log[move]).toBe(`exec drill-control-plane mv /var/lib/etcd/kdrill-restore-${stamp} /var/lib/etcd-kdrill-${stamp}`);
    const written = await readFile(join(state, 'written'), 'utf8');
    expect(written).toContain(`path: /var/lib/etcd-kdrill-${stamp}`);
    expect(written).toContain('path: /etc/kubernetes/pki/etcd');
    await expect(stat(join(state, 'stopped-kube-apiserver'))).rejects.toThrow();
  });

  it('refuses before touching anything when the etcd image has no etcdutl and none is configured', async () => {
    setEnv({ FAKE_ETCDUTL_RC: '1' });
    await expect(restoreEtcdSnapshot(node, join(root, 'snap.db'), { logger: silentLogger })).rejects.toMatchObject({ code: 'E_BINARY_MISSING' });
    expect((await calls()).some((c) => c.includes('kdrill-stopped/kube-apiserver.yaml'))).toBe(false);
  });

  it('copies a configured etcdutl into the node and restores there', async () => {
    setEnv({ FAKE_ETCDUTL_RC: '1' });
    const etcdutl = join(root, 'etcdutl');
    await writeFile(etcdutl, 'binary');
    await restoreEtcdSnapshot(node, join(root, 'snap.db'), { logger: silentLogger, etcdutlPath: etcdutl });
    const log = await calls();
    indexOf(log, `cp ${etcdutl} drill-control-plane:/usr/local/bin/kdrill-etcdutl`);
    const restore = log[indexOf(log, 'exec drill-control-plane /usr/local/bin/kdrill-etcdutl snapshot restore')]!;
    expect(restore).toMatch(/--data-dir \/var\/lib\/etcd-kdrill-\d+ /);
    expect(log.some((c) => c.includes(' mv /var/lib/etcd/kdrill-restore-'))).toBe(false);
  });

  it('a failed etcdutl restore is E_BACKUP_CORRUPT, leaves the etcd manifest alone and restarts the API pods', async () => {
    setEnv({ FAKE_RESTORE_RC: '1' });
    await expect(restoreEtcdSnapshot(node, join(root, 'snap.db'), { logger: silentLogger })).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });
    await expect(stat(join(state, 'written'))).rejects.toThrow();
    const log = await calls();
    indexOf(log, 'kdrill /etc/kubernetes/kdrill-stopped/kube-apiserver.yaml /etc/kubernetes/manifests/kube-apiserver.yaml');
    indexOf(log, 'exec drill-control-plane rm -f /var/lib/etcd/kdrill-restore-');
  });
});

describe('kind etcd snapshot and components, against a fake docker CLI', () => {
  it('saves with etcdctl on the data volume, copies it out (0600) and deletes it in the node', async () => {
    const dest = join(root, 'out.db');
    const result = await saveEtcdSnapshot(node, dest);
    expect(result).toEqual({ path: dest, sizeBytes: 'snapshot-bytes'.length });
    expect((await stat(dest)).mode & 0o777).toBe(0o600);
    const log = await calls();
    const save = log[indexOf(log, 'crictl exec etcd-old etcdctl --endpoints=https://127.0.0.1:2379')]!;
    const file = /snapshot save (\/var\/lib\/etcd\/kdrill-snapshot-\d+\.db)$/.exec(save)?.[1];
    expect(file).toBeDefined();
    expect(indexOf(log, `cp drill-control-plane:${file} ${dest}`)).toBeLessThan(indexOf(log, `rm -f ${file}`));
  });

  it('kills with crictl, stops and starts by moving manifests, and destroy deletes through kind with its own kubeconfig', async () => {
    const dir = await mkdtemp(join(root, 'cluster-'));
    const cluster = new KindCluster('drill', dir, { kubernetes: 'v1.35.0' }, silentLogger, undefined);
    await cluster.killComponent('kube-apiserver');
    await cluster.stopComponent('kube-controller-manager');
    expect(await node.containerIds('kube-controller-manager')).toEqual([]);
    await cluster.startComponent('kube-controller-manager');
    await cluster.destroy();
    await cluster.destroy();
    const log = await calls();
    indexOf(log, 'exec drill-control-plane crictl stop --timeout 0 kube-apiserver-1');
    indexOf(log, 'kdrill /etc/kubernetes/manifests/kube-controller-manager.yaml /etc/kubernetes/kdrill-stopped/kube-controller-manager.yaml');
    indexOf(log, 'kdrill /etc/kubernetes/kdrill-stopped/kube-controller-manager.yaml /etc/kubernetes/manifests/kube-controller-manager.yaml');
    expect(log.filter((c) => c.startsWith('kind delete'))).toEqual([`kind delete cluster --name drill --kubeconfig ${join(dir, 'kubeconfig')}`]);
    await expect(stat(dir)).rejects.toThrow();
  });

  it('unavailableReason names the missing piece: the Docker engine, then the kind CLI', async () => {
    expect(await kindUnavailableReason()).toBe('no Docker engine answers at unix:///fake.sock: start Docker or use --provider local');
    process.env.PATH = join(root, 'empty');
    expect(await kindUnavailableReason()).toMatch(/^the kind CLI is not on PATH/);
  });
});
