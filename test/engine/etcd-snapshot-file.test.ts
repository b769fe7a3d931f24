import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startVersitygw, versitygwBinary } from '../support/versitygw.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runDrill } from '../../src/engine/run-drill.js';
import { nullProgress } from '../../src/cli/progress.js';
import type { ScenarioSpecType } from '../../src/scenario/schema.js';
import { startTestCluster, testLogger, type TestCluster } from '../support/cluster.js';

const CANARY = 'kdrill-canary-plain-snapshot-2c9e41';

// A team's own etcd backup: a plain `etcdctl snapshot save` file plus the apiserver's encryption config and
// service-account keys, copied off the control plane. kdrill drills it without ever having seen that cluster's
// backups: the file is checked by etcd's hash, restored into a throw-away local cluster, and proven there.
describe('drilling a plain etcd snapshot file (backup.from.etcdSnapshot) into an isolated local cluster', () => {
  let source: TestCluster;
  let dir: string;

  beforeAll(async () => {
    source = await startTestCluster({ name: 'snapsrc' });
    dir = await mkdtemp(join(tmpdir(), 'kdrill-plain-snap-'));
    const c = source.client;
    await c.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await c.create('/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'live' } });
    await c.create('/api/v1/namespaces/shop/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-creds' }, stringData: { password: CANARY } });
    await c.create('/apis/apps/v1/namespaces/shop/deployments', {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
      spec: {
        replicas: 1, selector: { matchLabels: { app: 'api' } },
        template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'registry.invalid/api:1', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } }] }] } },
      },
    });
    // What an operator copies off the control plane: the snapshot and the keys that go with it.
    await source.cluster.takeEtcdSnapshot(join(dir, 'etcd.db'));
    const m = source.cluster.secretsMaterial;
    await copyFile(m.encryptionConfigPath!, join(dir, 'encryption-config.yaml'));
    await copyFile(m.serviceAccountKeyPath!, join(dir, 'sa.key'));
    await copyFile(m.serviceAccountPublicKeyPath!, join(dir, 'sa.pub'));
  }, 300_000);
  afterAll(async () => {
    await source?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function scenarioFile(name: string, from: Record<string, unknown>, spec: Partial<ScenarioSpecType> = {}): Promise<string> {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, stringify({
      apiVersion: 'kdrill.dev/v1alpha1',
      kind: 'Scenario',
      metadata: { name },
      spec: {
        cluster: { provider: 'kubeconfig', options: { path: source.cluster.kubeconfigPath } },
        backup: { strategy: 'etcd-snapshot', from },
        restore: { target: { provider: 'local' } },
        checks: [
          { check: 'state-diff', options: { namespaces: ['shop'] } },
          { check: 'secret-injection', options: { namespaces: ['shop'] } },
        ],
        ...spec,
      },
    }));
    return file;
  }
  const drill = (file: string, out: string) => runDrill({ files: [file], outDir: join(dir, out), logger: testLogger(), progress: nullProgress });
  const material = { encryptionConfig: 'encryption-config.yaml', serviceAccountKey: 'sa.key', serviceAccountPublicKey: 'sa.pub' };

  it('checks the file, restores it with its keys into a new local cluster, and the checks pass there', async () => {
    const outcome = await drill(await scenarioFile('plain', { etcdSnapshot: 'etcd.db', material, maxAge: '1h' }), 'plain');
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict, JSON.stringify(s.error ?? s.checks.filter((c) => !c.asExpected), null, 1)).toBe('passed');
    expect(s.checks.map((c) => `${c.id}:${c.status}`)).toEqual(['state-diff:passed', 'secret-injection:passed', 'backup-age:passed', 'source-untouched:passed']);
    expect(s.restore).toMatchObject({ strategy: 'etcd-snapshot', isolatedProvider: 'local' });
    expect(s.restore!.notes.join('\n')).toMatch(/plain etcd snapshot etcd\.db \(revision \d+, \d+ keys, saved .*\), checked by etcd's hash before use/);
    // The CA was not given: the report says what that costs; the keys that were given cost nothing.
    expect(s.restore!.notes.join('\n')).toContain('no CA certificate given');
    expect(s.restore!.notes.join('\n')).not.toContain('no encryption config given');
    expect(s.measurements.sourceWrites).toBe(0);
  }, 600_000);

  it('takes the baseline out of the snapshot itself (spec.baseline: backup), decoded by a sandbox apiserver', async () => {
    const outcome = await drill(await scenarioFile('from-snapshot', { etcdSnapshot: 'etcd.db', material }, { baseline: 'backup' }), 'from-snapshot');
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict, JSON.stringify(s.error ?? s.checks.filter((c) => !c.asExpected), null, 1)).toBe('passed');
    expect(s.baselineSource).toBe('backup');
    expect(s.timeline.find((e) => e.phase === 'baseline' && !e.step)?.note).toMatch(/from etcd snapshot \S+, decoded by a sandbox kube-apiserver/);
    const diff = s.checks.find((c) => c.id === 'state-diff')!;
    // Namespace, ConfigMaps (settings, kube-root-ca.crt is skipped), the Secret, the ServiceAccount, the Deployment…
    expect(Number(/^all (\d+) baseline objects match/.exec(diff.summary)?.[1])).toBeGreaterThanOrEqual(4);
    const secrets = s.checks.find((c) => c.id === 'secret-injection')!;
    expect(secrets.summary).toMatch(/Secrets intact/);
  }, 600_000);

  it.skipIf(!versitygwBinary.path)('reads the snapshot from S3 (s3://bucket/key, versitygw via $AWS_ENDPOINT_URL_S3), its age from LastModified', async () => {
    const gw = await startVersitygw();
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: gw.accessKey, AWS_SECRET_ACCESS_KEY: gw.secretKey, AWS_ENDPOINT_URL_S3: gw.endpoint });
      const s3 = new S3Client({ region: 'us-east-1', endpoint: gw.endpoint, forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: 'etcd-backups' }));
      await s3.send(new PutObjectCommand({ Bucket: 'etcd-backups', Key: 'prod/etcd.db', Body: await readFile(join(dir, 'etcd.db')) }));
      s3.destroy();
      const outcome = await drill(await scenarioFile('from-s3', { etcdSnapshot: 's3://etcd-backups/prod/etcd.db', material, maxAge: '1h' }), 'from-s3');
      const s = outcome.results.scenarios[0]!;
      expect(s.verdict, JSON.stringify(s.error ?? s.checks.filter((c) => !c.asExpected), null, 1)).toBe('passed');
      expect(s.restore!.notes.join('\n')).toContain('plain etcd snapshot s3://etcd-backups/prod/etcd.db (revision');
      const missing = await drill(await scenarioFile('s3-missing', { etcdSnapshot: 's3://etcd-backups/prod/nope.db' }), 's3-missing');
      expect(missing.exitCode).toBe(2);
      expect(missing.results.scenarios[0]!.error).toMatchObject({ code: 'E_BACKUP_NOT_FOUND', message: expect.stringContaining('s3://etcd-backups/prod/nope.db') });
    } finally {
      for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_S3']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      await gw.stop();
    }
  }, 600_000);

  it('without the encryption config, says Secrets stay unreadable, and the restored cluster fails on them', async () => {
    const outcome = await drill(await scenarioFile('no-enc', { etcdSnapshot: 'etcd.db', material: { serviceAccountKey: 'sa.key', serviceAccountPublicKey: 'sa.pub' } }), 'no-enc');
    const s = outcome.results.scenarios[0]!;
    // What is missing is said up front, with the backup, before anything is restored...
    expect(s.backup?.metadata.importNotes).toContain('no encryption config given: Secrets the source encrypted at rest stay unreadable in the restored cluster (the apiserver cannot decrypt them)');
    // ...and the restored apiserver cannot decrypt the Secrets etcd holds: the drill fails, with etcd's own words.
    expect(s.verdict).toBe('failed');
    expect(outcome.exitCode).toBe(1);
    expect(s.error).toMatchObject({ phase: 'restore', message: expect.stringContaining('failed to decrypt data') });
  }, 600_000);

  it('stops with exit 2 before any cluster starts for a corrupt or missing snapshot and a missing material file', async () => {
    const corrupt = join(dir, 'corrupt.db');
    await copyFile(join(dir, 'etcd.db'), corrupt);
    const handle = await open(corrupt, 'r+');
    await handle.write(Buffer.from([0xff, 0x00, 0xff]), 0, 3, 8192);
    await handle.close();
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['corrupt', { etcdSnapshot: 'corrupt.db' }, 'E_BACKUP_CORRUPT', /etcd snapshot .*corrupt\.db is unusable/],
      ['missing', { etcdSnapshot: 'nope.db' }, 'E_BACKUP_NOT_FOUND', /nope\.db does not exist/],
      ['missing-key', { etcdSnapshot: 'etcd.db', material: { encryptionConfig: 'gone.yaml' } }, 'E_BACKUP_NOT_FOUND', /material\.encryptionConfig: .*gone\.yaml does not exist/],
    ];
    for (const [name, from, code, message] of cases) {
      const outcome = await drill(await scenarioFile(name, from), name);
      const s = outcome.results.scenarios[0]!;
      expect(outcome.exitCode, name).toBe(2);
      expect(s.error, name).toMatchObject({ code, phase: 'backup', message: expect.stringMatching(message) });
      expect(s.timeline.some((e) => e.phase === 'restore'), name).toBe(false);
    }
  }, 600_000);
});
