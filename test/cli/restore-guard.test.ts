import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeClient } from '../../src/kube/client.js';
import { waitFor } from '../support/wait.js';

const KDRILL = join(import.meta.dirname, '../../bin/kdrill.js');
const SECRET = '/api/v1/namespaces/shop/secrets/db';

// `kdrill restore --kubeconfig` treats the cluster as one kdrill did not create: a restore that would delete and
// recreate an object (an immutable Secret that differs) is refused before any write unless --allow-destructive.
describe('kdrill restore on a cluster reached by kubeconfig: delete-and-recreate needs --allow-destructive', () => {
  let home: string;
  let kubeconfig: string;
  let client: KubeClient;
  const run = (...args: string[]) => execa('node', [KDRILL, ...args], { env: { KDRILL_HOME: home, CI: 'true' }, reject: false });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kdrill-cli-guard-'));
    const up = await run('cluster', 'up', '--name', 'guard');
    expect(up.exitCode, up.stderr).toBe(0);
    kubeconfig = up.stdout.trim();
    const { KubeClient } = await import('../../src/kube/client.js');
    client = KubeClient.fromFile(kubeconfig);
  });
  afterAll(async () => {
    client?.close();
    await run('cluster', 'down', '--all');
    await rm(home, { recursive: true, force: true });
  });

  it('exits 2 with E_UNSAFE_TARGET naming the object, writes nothing, and recreates it with the flag', async () => {
    await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await client.create('/api/v1/namespaces/shop/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'from-backup' } });
    const key = join(home, 'key.json');
    const store = join(home, 'store');
    expect((await run('keys', 'create', '--out', key)).exitCode).toBe(0);
    const backup = await run('backup', '--kubeconfig', kubeconfig, '--store', store, '--key-file', key, '-n', 'shop', '--json');
    expect(backup.exitCode, backup.stderr).toBe(0);
    const id = (JSON.parse(backup.stdout) as { id: string }).id;

    await client.delete(SECRET);
    await waitFor(async () => (await client.getOptional(SECRET)) === undefined);
    await client.create('/api/v1/namespaces/shop/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, immutable: true, stringData: { password: 'changed' } });
    const uid = (await client.get(SECRET)).metadata.uid;

    const refused = await run('restore', id, '--kubeconfig', kubeconfig, '--store', store, '--key-file', key);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('E_UNSAFE_TARGET');
    expect(refused.stderr).toContain('delete and recreate (an immutable field differs from the backup) Secret shop/db');
    expect((await client.get(SECRET)).metadata.uid).toBe(uid);

    const allowed = await run('restore', id, '--kubeconfig', kubeconfig, '--store', store, '--key-file', key, '--allow-destructive');
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/recreated=1/);
    const restored = await client.get<{ data: { password: string }; metadata: { uid: string } }>(SECRET);
    expect(Buffer.from(restored.data.password, 'base64').toString()).toBe('from-backup');
    expect(restored.metadata.uid).not.toBe(uid);
  });
});
