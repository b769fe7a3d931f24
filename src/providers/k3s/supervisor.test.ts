import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdVersionFromMetrics, k3sServerArgs, parseResetResult, SUPERVISOR_SCRIPT, supervisorCommand, type SupervisorAction } from './supervisor.js';

// The supervisor is PID 1 of the k3s container. Here it runs against a fake k3s, under dash and (when on PATH)
// busybox sh, the shell of the rancher/k3s image.
const FAKE_K3S = `#!/bin/sh
echo "$$ $*" >> "$FAKE_LOG"
case "$*" in *--cluster-reset*) echo "reset output line" >&2; exit "$(cat "$FAKE_RC" 2>/dev/null || echo 0)";; esac
trap 'echo "term $$" >> "$FAKE_LOG"; exit 0' TERM
while :; do sleep 0.05; done
`;

const shells: string[][] = [['sh']];
if ((await execa('busybox', ['true'], { reject: false })).exitCode === 0) shells.push(['busybox', 'sh']);

describe.each(shells)('k3s supervisor under %s', (...shell) => {
  let dir: string;
  let env: Record<string, string>;
  let supervisor: ResultPromise | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdrill-supervisor-'));
    const fake = join(dir, 'k3s');
    await writeFile(fake, FAKE_K3S);
    await chmod(fake, 0o755);
    env = { KDRILL_STATE_DIR: join(dir, 'state'), KDRILL_K3S_BIN: fake, KDRILL_SKIP_CGROUP: '1', FAKE_LOG: join(dir, 'log'), FAKE_RC: join(dir, 'rc') };
    const [file, ...pre] = shell as [string, ...string[]];
    supervisor = execa(file, [...pre, '-c', SUPERVISOR_SCRIPT, 'kdrill', 'server', '--flag=1'], { env, reject: false });
  });
  afterAll(async () => {
    supervisor?.kill('SIGKILL');
    // Every fake k3s logged its own pid: stop exactly those, whatever state a failed test left them in.
    const log = await readFile(env.FAKE_LOG!, 'utf8').catch(() => '');
    for (const line of log.split('\n')) {
      const started = /^(\d+) /.exec(line)?.[1];
      if (started) killQuietly(Number(started));
    }
    await rm(dir, { recursive: true, force: true });
  });

  const act = async (action: SupervisorAction, arg?: string) => {
    const [file, ...args] = supervisorCommand(action, arg) as [string, ...string[]];
    return (await execa(file, args, { env })).stdout;
  };
  const pid = async () => (await act('pid')).trim();
  const until = async (probe: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 100; i++) {
      if (await probe()) return;
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('starts k3s with the server args and restarts it after a kill', async () => {
    await until(async () => (await pid()) !== '', 'first k3s');
    const first = await pid();
    expect(await readFile(env.FAKE_LOG!, 'utf8')).toContain(`${first} server --flag=1`);
    await act('kill');
    await until(async () => !['', first].includes(await pid()), 'restart after kill');
  });

  it('stop terminates k3s and keeps it down until start', async () => {
    const before = await pid();
    await act('stop');
    await until(async () => (await pid()) === '', 'k3s to stop');
    expect(await readFile(env.FAKE_LOG!, 'utf8')).toContain(`term ${before}`);
    await sleep(1500);
    expect(await pid()).toBe('');
    await act('start');
    await until(async () => (await pid()) !== '', 'k3s after start');
  });

  it('reset stops k3s, runs --cluster-reset once with the path, reports the exit code, then starts k3s', async () => {
    const before = await pid();
    expect(parseResetResult(await act('reset-result'))).toBeUndefined();
    await act('reset', '/var/lib/snap shot.db');
    await until(async () => parseResetResult(await act('reset-result')) !== undefined, 'reset result');
    expect(parseResetResult(await act('reset-result'))).toEqual({ exitCode: 0, log: 'reset output line' });
    expect(await readFile(env.FAKE_LOG!, 'utf8')).toMatch(/server --flag=1 --cluster-reset --cluster-reset-restore-path=\/var\/lib\/snap shot\.db/);
    await until(async () => !['', before].includes(await pid()), 'k3s after reset');

    await writeFile(env.FAKE_RC!, '3');
    await act('reset', '/x.db');
    await until(async () => parseResetResult(await act('reset-result')) !== undefined, 'failed reset result');
    expect(parseResetResult(await act('reset-result'))?.exitCode).toBe(3);
  });

  it('exits on SIGTERM after terminating k3s', async () => {
    await until(async () => (await pid()) !== '', 'k3s running');
    const running = await pid();
    supervisor?.kill('SIGTERM');
    const result = await supervisor;
    expect(result?.isTerminated || result?.exitCode !== undefined).toBe(true);
    expect(await readFile(env.FAKE_LOG!, 'utf8')).toContain(`term ${running}`);
  });
});

describe('k3s server args and parsers', () => {
  it('uses embedded etcd and kdrill token file, then the extras', () => {
    expect(k3sServerArgs(['--disable=metrics-server'])).toEqual([
      'server', '--disable=traefik', '--cluster-init', '--token-file=/kdrill/token', '--etcd-expose-metrics=true', '--disable=metrics-server',
    ]);
  });

  it('refuses flags that would move the token, the data or replace etcd', () => {
    expect(() => k3sServerArgs(['--data-dir=/x'])).toThrow(/may not contain --data-dir/);
    expect(() => k3sServerArgs(['--datastore-endpoint', 'mysql://'])).toThrow(/--datastore-endpoint/);
    expect(() => k3sServerArgs(['--token=abc'])).toThrow(/--token/);
  });

  it('reads the etcd version from metrics', () => {
    const metrics = '# HELP etcd_server_version Which version is running.\n# TYPE etcd_server_version gauge\netcd_server_version{server_version="3.5.21"} 1\n';
    expect(etcdVersionFromMetrics(metrics)).toBe('3.5.21');
    expect(etcdVersionFromMetrics('nothing')).toBeUndefined();
  });
});

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
