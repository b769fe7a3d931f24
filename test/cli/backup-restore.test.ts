import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type Versitygw, startVersitygw, versitygwBinary } from '../support/versitygw.js';
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
    // One summary line, the id first (a nightly job can `cut -d' ' -f1`).
    expect(backup.stdout.trim().split('\n')).toHaveLength(1);
    const id = backup.stdout.split(' ')[0]!;
    expect(id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(backup.stdout).toMatch(new RegExp(`^${id} resource-export: \\d+ artifacts, .* of cluster br in ${store} \\(rootHash [0-9a-f]{16}\\)$`));
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

  it('prune on a cluster kdrill did not create: refused with a hint that works, and --dry-run lists what it would delete', async () => {
    const { KubeClient } = await import('../../src/kube/client.js');
    const client = KubeClient.fromFile(kubeconfig);
    const store = join(home, 'store');
    const key = join(home, 'key.json');
    const json = await run('--json', 'backup', '--kubeconfig', kubeconfig, '--store', store, '--key-file', key, '-n', 'shop');
    expect(json.exitCode, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout);
    expect(summary).toEqual({ id: expect.stringMatching(/^\d{8}T/), strategy: 'resource-export', createdAt: expect.any(String), cluster: expect.any(String), artifacts: expect.any(Number), sizeBytes: expect.any(Number), rootHash: expect.stringMatching(/^[0-9a-f]{64}$/), store });
    await client.create('/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra' }, data: { a: 'b' } });

    const refused = await run('restore', summary.id, '--kubeconfig', kubeconfig, '--store', store, '--key-file', key, '--prune');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('E_UNSAFE_TARGET');
    expect(refused.stderr).toContain('--dry-run');
    const plan = await run('restore', summary.id, '--kubeconfig', kubeconfig, '--store', store, '--key-file', key, '--prune', '--dry-run');
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('prune ConfigMap shop/extra');
    expect(await client.getOptional('/api/v1/namespaces/shop/configmaps/extra')).toBeDefined();
    client.close();
  }, 600_000);

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

  describe.skipIf(!versitygwBinary.path)(`the nightly job into S3 (versitygw)${versitygwBinary.path ? '' : `: SKIPPED: ${versitygwBinary.skipReason}`}`, () => {
    let gw: Versitygw;
    beforeAll(async () => {
      gw = await startVersitygw();
      const s3 = new S3Client({ region: 'us-east-1', endpoint: gw.endpoint, forcePathStyle: true, credentials: { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey } });
      await s3.send(new CreateBucketCommand({ Bucket: 'nightly', ObjectLockEnabledForBucket: true }));
      s3.destroy();
    });
    afterAll(async () => gw?.stop());

    it('writes a locked backup to S3, reports it as JSON with its manifest version, and lists and restores it from there', async () => {
      const env = { AWS_ACCESS_KEY_ID: gw.accessKey, AWS_SECRET_ACCESS_KEY: gw.secretKey };
      const s3run = (...args: string[]) => execa('node', [KDRILL, ...args], { env: { KDRILL_HOME: home, CI: 'true', ...env }, reject: false });
      const key = join(home, 's3-key.json');
      expect((await run('keys', 'create', '--out', key)).exitCode).toBe(0);
      await writeFile(join(home, 's3-store.yaml'), `type: s3\npath: s3://nightly/prod\noptions:\n  endpoint: ${gw.endpoint}\n  objectLock: { mode: GOVERNANCE, days: 1 }\n`);
      const backup = await s3run('--json', 'backup', '--cluster', 'br', '--store-config', join(home, 's3-store.yaml'), '--key-file', key, '-n', 'shop');
      expect(backup.exitCode, backup.stderr).toBe(0);
      const summary = JSON.parse(backup.stdout);
      expect(summary).toMatchObject({ strategy: 'resource-export', store: 's3://nightly/prod/', manifestVersionId: expect.stringMatching(/\w+/) });
      expect(backup.stderr).not.toContain(canary);

      const storeFlags = ['--store', 's3://nightly/prod', '--store-option', `endpoint=${gw.endpoint}`];
      const flags = [...storeFlags, '--key-file', key];
      const list = await s3run('backups', 'list', ...storeFlags);
      expect(list.stdout).toContain(summary.id);
      const show = await s3run('backups', 'show', summary.id, ...flags);
      expect(show.stdout).toContain(`manifest version: ${summary.manifestVersionId}`);
      const plan = await s3run('restore', summary.id, '--cluster', 'br', ...flags, '--dry-run');
      expect(plan.exitCode, plan.stderr).toBe(0);
      expect(plan.stdout).toMatch(/unchanged=\d+/);
      const prune = await s3run('backups', 'prune', ...flags, '--keep-last', '1');
      expect(prune.exitCode, prune.stderr).toBe(0);
      expect(prune.stdout).toContain('dry run: would delete 0 backups');

      const bad = await s3run('backup', '--cluster', 'br', '--store', 's3://nightly/prod', '--store-option', 'endpoint=http://127.0.0.1:1', '--key-file', key, '-n', 'shop');
      expect(bad.exitCode).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toContain('E_STORE');
    }, 900_000);
  });
});
