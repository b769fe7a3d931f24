import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdir, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachLocalCluster } from '../../src/providers/local/create.js';
import { listStates } from '../../src/providers/local/state.js';
import { testLogger } from '../support/cluster.js';

const here = import.meta.dirname;
const KDRILL = join(here, '../../bin/kdrill.js');

/** Every file under `dir`, recursively (paths relative to it). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

// An etcd-snapshot restore decrypts the snapshot and the encryption config that opens its Secrets. Whatever ends the
// run — Ctrl-C or SIGTERM at any step, a corrupt artifact — none of that may stay on disk: it lives only in the run's
// private (0700) work dir, which every exit path removes.
describe('decrypted backup material never outlives the run (subprocess, local provider, etcd-snapshot)', () => {
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kdrill-material-'));
  });
  afterAll(async () => {
    for (const { dir } of await listStates(join(home, 'clusters'))) await (await attachLocalCluster(dir, testLogger())).destroy();
    await rm(home, { recursive: true, force: true });
  });

  /** Run etcd-quick with its own TMPDIR and send `signal` as soon as stderr shows `trigger` (never, when undefined). */
  async function runUntil(name: string, trigger: RegExp | undefined, signal: NodeJS.Signals = 'SIGTERM') {
    const tmp = join(home, `tmp-${name}`);
    await mkdir(tmp, { recursive: true });
    const child = execa('node', [KDRILL, 'run', join(here, 'scenarios', 'etcd-quick.yaml'), '--output', join(home, `out-${name}`)], {
      env: { KDRILL_HOME: home, CI: 'true', TMPDIR: tmp },
      reject: false,
    });
    let seen = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (trigger && !sent && trigger.test(seen)) {
        sent = true;
        child.kill(signal);
      }
    });
    const result = await child;
    if (trigger) expect(sent, `never saw ${trigger} in:\n${seen}`).toBe(true);
    return { result, tmp, seen };
  }

  it.each([
    ['backup-done', /\] backup ✓/, 'SIGTERM'],
    ['restore-start', /\] restore …/, 'SIGTERM'],
    ['restore-attempt', /\] restore › attempt 1 …/, 'SIGINT'],
    ['verify', /\] verify …/, 'SIGTERM'],
  ] as const)('interrupted at %s: exits by the signal, and its temp dir is empty', async (name, trigger, signal) => {
    const { result, tmp } = await runUntil(name, trigger, signal);
    expect(result.exitCode, result.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
    expect(await filesUnder(tmp)).toEqual([]);
    expect(result.stderr).not.toMatch(/\n\s+at .*\.js:\d+:\d+/);
    expect(await listStates(join(home, 'clusters'))).toEqual([]);
  }, 600_000);

  it('a flipped byte in the sealed service-account key: exit 2 with E_BACKUP_CORRUPT, no stack dump, nothing decrypted left', async () => {
    const tmp = join(home, 'tmp-flip');
    await mkdir(tmp, { recursive: true });
    const env = { KDRILL_HOME: home, CI: 'true', TMPDIR: tmp };
    const keyFile = join(home, 'key.json');
    const store = join(home, 'store');
    const kdrill = (...args: string[]) => execa('node', [KDRILL, ...args], { env, reject: false });
    expect((await kdrill('keys', 'create', '--out', keyFile)).exitCode).toBe(0);
    expect((await kdrill('cluster', 'up', '--name', 'flip')).exitCode).toBe(0);
    try {
      const backup = await kdrill('backup', '--cluster', 'flip', '--strategy', 'etcd-snapshot', '--store', store, '--key-file', keyFile, '--json');
      expect(backup.exitCode, backup.stderr).toBe(0);
      const id = (JSON.parse(backup.stdout) as { id: string }).id;
      const artifact = (await filesUnder(join(store, id))).find((f) => f.endsWith('service-account.key'));
      expect(artifact, 'the backup stores the service-account key').toBeDefined();
      const path = join(store, id, artifact!);
      const handle = await open(path, 'r+');
      const middle = Math.floor((await stat(path)).size / 2);
      const byte = Buffer.alloc(1);
      await handle.read(byte, 0, 1, middle);
      await handle.write(Buffer.from([byte[0]! ^ 0x01]), 0, 1, middle);
      await handle.close();
      const restore = await kdrill('restore', id, '--cluster', 'flip', '--store', store, '--key-file', keyFile, '--allow-destructive');
      expect(restore.exitCode, restore.stderr).toBe(2);
      expect(restore.stderr).toMatch(/E_BACKUP_CORRUPT/);
      expect(restore.stderr).toMatch(/service-account\.key/);
      expect(restore.stderr).not.toMatch(/\n\s+at .*\.js:\d+:\d+/);
      expect(await filesUnder(tmp)).toEqual([]);
    } finally {
      await kdrill('cluster', 'down', 'flip');
    }
  }, 600_000);
});
