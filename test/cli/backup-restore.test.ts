import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { grepDir, waitFor } from '../support/wait.js';

const KDRILL = join(import.meta.dirname, '../../bin/kdrill.js');

describe('kdrill backup / restore / backups verify (subprocess, real local cluster)', () => {
  let home: string;
  let kubeconfig: string;
  const canary = `cli-canary-${randomBytes(10).toString('hex')}`;
  const run = (...args: string[]) => execa('node', [KDRILL, ...args], { env: { KDRILL_HOME: home, CI: 'true' }, reject: false });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kdrill-cli-br-'));
    const up = await run('cluster', 'up', '--name', 'br');
    expect(up.exitCode, up.stderr).toBe(0);
    kubeconfig = up.stdout.trim();
  });
  afterAll(async () => {
    await run('cluster', 'down', '--all');
    await rm(home, { recursive: true, force: true });
  });

  it('backs up a namespace, restores it after deletion, and a second restore writes nothing', async () => {
    const { KubeClient } = await import('../../src/kube/client.js');
    const client = KubeClient.fromFile(kubeconfig);
    await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await client.create('/api/v1/namespaces/shop/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: canary } });
    const key = join(home, 'key.json');
    const store = join(home, 'store');
    expect((await run('keys', 'create', '--out', key)).exitCode).toBe(0);

    const backup = await run('backup', '--cluster', 'br', '--store', store, '--key-file', key, '-n', 'shop');
    expect(backup.exitCode, backup.stderr).toBe(0);
    const id = backup.stdout.trim();
    expect(id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(await grepDir(store, [canary, Buffer.from(canary).toString('base64')])).toEqual([]);
    expect(backup.stderr).not.toContain(canary);

    await client.delete('/api/v1/namespaces/shop');
    await waitFor(async () => (await client.getOptional('/api/v1/namespaces/shop')) === undefined);

    const plan = await run('restore', id, '--cluster', 'br', '--store', store, '--key-file', key, '--dry-run');
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('create Secret shop/db');
    expect(await client.getOptional('/api/v1/namespaces/shop/secrets/db')).toBeUndefined();

    const restore = await run('restore', id, '--cluster', 'br', '--store', store, '--key-file', key);
    expect(restore.exitCode, restore.stderr).toBe(0);
    const secret = await client.get<{ data: { password: string } }>('/api/v1/namespaces/shop/secrets/db');
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe(canary);

    const again = await run('restore', id, '--cluster', 'br', '--store', store, '--key-file', key);
    expect(again.stdout).toMatch(/writes=0/);

    const verify = await run('backups', 'verify', id, '--store', store, '--key-file', key);
    expect(verify.exitCode, verify.stderr).toBe(0);
    client.close();
  });

  it('refuses a wrong key before touching the cluster (exit 2, E_KEY)', async () => {
    const store = join(home, 'store');
    const other = join(home, 'other.json');
    await run('keys', 'create', '--out', other);
    const list = await run('backups', 'list', '--store', store);
    const id = list.stdout.split('\n').find((l) => /^\d{8}T/.test(l))!.split(/\s+/)[0]!;
    const restore = await run('restore', id, '--cluster', 'br', '--store', store, '--key-file', other);
    expect(restore.exitCode).toBe(2);
    expect(restore.stderr).toContain('E_KEY');
  });
});
