import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { runDrill } from '../../src/engine/run-drill.js';
import { nullProgress } from '../../src/cli/progress.js';
import type { KubeObject } from '../../src/kube/types.js';
import { KubeClient } from '../../src/kube/client.js';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startVersitygw, versitygwBinary } from '../support/versitygw.js';
import type { ScenarioSpecType } from '../../src/scenario/schema.js';
import { startTestCluster, testLogger, type TestCluster } from '../support/cluster.js';

const KDRILL = join(import.meta.dirname, '../../bin/kdrill.js');
const CANARY = 'kdrill-canary-prod-db-password-7f3a91';

// "Would last night's backup of production restore?": the source is a running cluster kdrill did not create (a real
// local cluster reached through the kubeconfig provider); last night's backup was made by `kdrill backup`, as a cron
// job would; the drill restores it into a throw-away local cluster and must not write a single byte into the source.
describe('drilling an existing backup of a cluster kdrill did not create, into an isolated target', () => {
  let prod: TestCluster;
  let dir: string;
  let keyFile: string;
  let store: string;
  let backupId: string;

  const kdrill = (...args: string[]) => execa('node', [KDRILL, ...args], { env: { KDRILL_HOME: join(dir, 'home'), CI: 'true' }, reject: false });

  beforeAll(async () => {
    prod = await startTestCluster({ name: 'prod' });
    dir = await mkdtemp(join(tmpdir(), 'kdrill-isolated-'));
    keyFile = join(dir, 'key.json');
    store = join(dir, 'store');
    await seedProduction(prod);
    expect((await kdrill('keys', 'create', '--out', keyFile)).exitCode).toBe(0);
    const backup = await kdrill('backup', '--kubeconfig', prod.cluster.kubeconfigPath, '-n', 'shop', '--store', store, '--key-file', keyFile, '--json');
    expect(backup.exitCode, backup.stderr).toBe(0);
    backupId = (JSON.parse(backup.stdout) as { id: string }).id;
  }, 300_000);
  afterAll(async () => {
    await prod?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function scenarioFile(name: string, spec: Partial<ScenarioSpecType> = {}, from: Record<string, unknown> = {}): Promise<string> {
    const file = join(dir, `${name}.yaml`);
    const document = {
      apiVersion: 'kdrill.dev/v1alpha1',
      kind: 'Scenario',
      metadata: { name },
      spec: {
        cluster: { provider: 'kubeconfig', options: { path: prod.cluster.kubeconfigPath } },
        backup: {
          strategy: 'resource-export',
          kms: { provider: 'local', options: { keyFile } },
          from: { store: { type: 'local', path: store }, id: 'latest', maxAge: '1h', ...from },
        },
        restore: { target: { provider: 'local' } },
        checks: [
          { check: 'state-diff', options: { namespaces: ['shop'] } },
          { check: 'secret-injection', options: { namespaces: ['shop'] } },
        ],
        ...spec,
      },
    };
    await writeFile(file, stringify(document));
    return file;
  }

  const drill = (file: string, out: string) => runDrill({ files: [file], outDir: join(dir, out), logger: testLogger(), progress: nullProgress });

  it('restores last night\'s backup into a new local cluster, proves it with the checks and sends the source 0 writes', async () => {
    const before = await resourceVersions(prod);
    const outcome = await drill(await scenarioFile('last-night'), 'last-night');
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict, JSON.stringify(s.error ?? s.checks.filter((c) => !c.asExpected), null, 1)).toBe('passed');
    expect(outcome.exitCode).toBe(0);
    expect(s.backup?.id).toBe(backupId);
    expect(s.baselineSource).toBe('source');
    expect(s.measurements.sourceWrites).toBe(0);
    expect(s.checks.map((c) => `${c.id}:${c.status}`)).toEqual(['state-diff:passed', 'secret-injection:passed', 'backup-age:passed', 'source-untouched:passed']);
    expect(s.restore).toMatchObject({ target: 'fresh', isolatedProvider: 'local', counts: expect.objectContaining({ created: expect.any(Number) }) });
    expect(s.restore!.counts.created).toBeGreaterThanOrEqual(5);
    expect(s.isolation).toMatchObject({ sourceCluster: expect.any(String), targetProvider: 'local', unservedApiVersions: [] });
    // RPO of an existing backup is its age at the drill, not the second the drill took.
    expect(s.measurements.rpoMs).toBeGreaterThan(0);
    expect(await resourceVersions(prod)).toEqual(before);
    const report = await readFile(join(dir, 'last-night', 'report.md'), 'utf8');
    expect(report).toContain('source-untouched');
    expect(report).toMatch(/\| Writes to the source \| 0 \|/);
    expect(report).toMatch(/\| Isolation \| source \S+ v1\.\d+\.\d+ · backup v1\.\d+\.\d+ · target \S+ \(local\) v1\.\d+\.\d+ · same minor version \|/);
    await expectNoCanary(join(dir, 'last-night'));
  }, 600_000);

  it('takes the baseline from the backup itself when asked (spec.baseline: backup) and says so', async () => {
    const outcome = await drill(await scenarioFile('from-backup', { baseline: 'backup' }), 'from-backup');
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict, JSON.stringify(s.error ?? s.checks.filter((c) => !c.asExpected), null, 1)).toBe('passed');
    expect(s.baselineSource).toBe('backup');
    expect(s.timeline.find((e) => e.phase === 'baseline' && !e.step)?.note).toContain(`from the objects in backup ${backupId}`);
    const diff = s.checks.find((c) => c.id === 'state-diff')!;
    // The backup's shop namespace: Namespace, ConfigMap, Secret, ServiceAccount, Role, RoleBinding, Deployment…
    expect(Number(/^all (\d+) baseline objects match/.exec(diff.summary)?.[1])).toBeGreaterThanOrEqual(7);
    expect(s.measurements.sourceWrites).toBe(0);
  }, 600_000);

  it('fails the drill when the newest backup is older than maxAge, with the age in the evidence', async () => {
    const outcome = await drill(await scenarioFile('stale', {}, { maxAge: '1ms' }), 'stale');
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict).toBe('failed');
    expect(outcome.exitCode).toBe(1);
    const age = s.checks.find((c) => c.id === 'backup-age')!;
    expect(age).toMatchObject({ status: 'failed', asExpected: false, evidence: { backup: backupId, maxAge: '1ms' } });
    expect(age.summary).toMatch(/old, over the 1ms limit/);
    expect(await readFile(join(dir, 'stale', 'junit.xml'), 'utf8')).toMatch(/name="backup-age"[^>]*>\s*<failure/);
  }, 600_000);

  it('stops with exit 2 and a clear error for a store without backups or an unknown id, before creating any target', async () => {
    const empty = join(dir, 'empty-store');
    await mkdir(empty, { recursive: true });
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['no-backups', { store: { type: 'local', path: empty } }, /no backup in store/],
      ['unknown-id', { id: '20200101T000000Z-000000' }, /20200101T000000Z-000000/],
    ];
    for (const [name, from, message] of cases) {
      const outcome = await drill(await scenarioFile(name, {}, from), name);
      const s = outcome.results.scenarios[0]!;
      expect(s.verdict, name).toBe('error');
      expect(outcome.exitCode, name).toBe(2);
      expect(s.error, name).toMatchObject({ code: 'E_BACKUP_NOT_FOUND', phase: 'backup', message: expect.stringMatching(message) });
      expect(s.timeline.some((e) => e.phase === 'restore'), name).toBe(false);
    }
  }, 600_000);

  it('works with only the read-only credentials of docs/kdrill-source-reader.yaml, which refuse any write', async () => {
    const kubeconfig = await readOnlyKubeconfig(prod, dir);
    const backup = await kdrill('backup', '--kubeconfig', kubeconfig, '-n', 'shop', '--store', store, '--key-file', keyFile, '--json');
    expect(backup.exitCode, backup.stderr).toBe(0);
    const reader = KubeClient.fromFile(kubeconfig);
    try {
      await expect(reader.create('/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } })).rejects.toMatchObject({ status: 403 });
      expect((await reader.listAll('/api/v1/namespaces/shop/secrets')).items.length).toBeGreaterThan(0);
    } finally {
      reader.close();
    }
    const file = await scenarioFile('reader', { cluster: { provider: 'kubeconfig', options: { path: kubeconfig } } });
    const outcome = await drill(file, 'reader');
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict, JSON.stringify(s.error ?? s.checks.filter((c) => !c.asExpected), null, 1)).toBe('passed');
    expect(s.measurements.sourceWrites).toBe(0);
  }, 600_000);

  it('stops with exit 2 for the wrong key and for an unreachable source, naming each', async () => {
    const otherKey = join(dir, 'other-key.json');
    expect((await kdrill('keys', 'create', '--out', otherKey)).exitCode).toBe(0);
    const wrongKey = await scenarioFile('wrong-key', { backup: { strategy: 'resource-export', kms: { provider: 'local', options: { keyFile: otherKey } }, from: { store: { type: 'local', path: store } } } });
    const keyOutcome = await drill(wrongKey, 'wrong-key');
    expect(keyOutcome.exitCode).toBe(2);
    expect(keyOutcome.results.scenarios[0]!.error).toMatchObject({ phase: 'backup', code: expect.stringMatching(/^E_KEY/) });
    expect(keyOutcome.results.scenarios[0]!.timeline.some((e) => e.phase === 'restore')).toBe(false);

    const deadConfig = join(dir, 'dead.kubeconfig');
    const config = parse(await readFile(prod.cluster.kubeconfigPath, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    for (const c of config.clusters) c.cluster.server = 'https://127.0.0.1:9';
    await writeFile(deadConfig, stringify(config), { mode: 0o600 });
    const dead = await drill(await scenarioFile('unreachable', { cluster: { provider: 'kubeconfig', options: { path: deadConfig } } }), 'unreachable');
    expect(dead.exitCode).toBe(2);
    expect(dead.results.scenarios[0]!.error).toMatchObject({ phase: 'provision', message: expect.stringContaining('127.0.0.1:9') });
  }, 600_000);

  it.skipIf(!versitygwBinary.path)('reads last night\'s backup from S3 (versitygw): the nightly job writes it, the drill takes the latest', async () => {
    const gw = await startVersitygw();
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    try {
      const s3 = new S3Client({ region: 'us-east-1', endpoint: gw.endpoint, forcePathStyle: true, credentials: { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey } });
      await s3.send(new CreateBucketCommand({ Bucket: 'kdrill-backups' }));
      s3.destroy();
      const env = { KDRILL_HOME: join(dir, 'home'), CI: 'true', AWS_ACCESS_KEY_ID: gw.accessKey, AWS_SECRET_ACCESS_KEY: gw.secretKey };
      const nightly = await execa('node', [KDRILL, 'backup', '--kubeconfig', prod.cluster.kubeconfigPath, '-n', 'shop', '--store', 's3://kdrill-backups/production',
        '--store-option', `endpoint=${gw.endpoint}`, '--key-file', keyFile, '--json'], { env, reject: false });
      expect(nightly.exitCode, nightly.stderr).toBe(0);
      const id = (JSON.parse(nightly.stdout) as { id: string }).id;
      process.env.AWS_ACCESS_KEY_ID = gw.accessKey;
      process.env.AWS_SECRET_ACCESS_KEY = gw.secretKey;
      const file = await scenarioFile('from-s3', {}, { store: { type: 's3', path: 's3://kdrill-backups/production', options: { endpoint: gw.endpoint } } });
      const outcome = await drill(file, 'from-s3');
      const s = outcome.results.scenarios[0]!;
      expect(s.verdict, JSON.stringify(s.error ?? s.checks.filter((c) => !c.asExpected), null, 1)).toBe('passed');
      expect(s.backup).toMatchObject({ id, store: expect.stringContaining('s3://kdrill-backups/production') });
      expect(s.measurements.sourceWrites).toBe(0);
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await gw.stop();
    }
  }, 600_000);

  it('refuses an isolated target on the kubeconfig provider and a backup.from without a key at validation', async () => {
    const bad = await scenarioFile('bad', { restore: { target: { provider: 'kubeconfig' } } });
    const result = await kdrill('validate', bad);
    expect(result.exitCode).toBe(2);
    expect(result.stderr + result.stdout).toMatch(/spec\.restore\.target\.provider.*isolated restore target must be a cluster kdrill creates/s);
    const file = join(dir, 'no-kms.yaml');
    const doc = { apiVersion: 'kdrill.dev/v1alpha1', kind: 'Scenario', metadata: { name: 'no-kms' }, spec: { backup: { strategy: 'resource-export', from: { id: 'latest' } }, checks: [{ check: 'state-diff' }] } };
    await writeFile(file, stringify(doc));
    const noKms = await kdrill('validate', file);
    expect(noKms.exitCode).toBe(2);
    expect(noKms.stderr + noKms.stdout).toMatch(/backup\.from reads backups made with a key/);
  }, 120_000);
});

/** A kubeconfig for the ServiceAccount of docs/kdrill-source-reader.yaml (applied to `tc`), with a fresh token. */
async function readOnlyKubeconfig(tc: TestCluster, dir: string): Promise<string> {
  const docs = parseAllDocuments(await readFile(join(import.meta.dirname, '../../docs/kdrill-source-reader.yaml'), 'utf8')).map((d) => d.toJSON() as KubeObject);
  const paths: Record<string, string> = {
    Namespace: '/api/v1/namespaces',
    ServiceAccount: '/api/v1/namespaces/kdrill/serviceaccounts',
    ClusterRole: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    ClusterRoleBinding: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
  };
  for (const doc of docs) await tc.client.apply(`${paths[doc.kind]!}/${doc.metadata.name}`, doc);
  const token = await tc.client.request<{ status: { token: string } }>('POST', '/api/v1/namespaces/kdrill/serviceaccounts/kdrill-source-reader/token', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  const config = parse(await readFile(tc.cluster.kubeconfigPath, 'utf8')) as { users: { name: string; user: Record<string, unknown> }[] };
  for (const u of config.users) u.user = { token: token.status.token };
  const file = join(dir, 'reader.kubeconfig');
  await writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}

async function seedProduction(tc: TestCluster): Promise<void> {
  const c = tc.client;
  await c.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  await c.create('/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'live' } });
  await c.create('/api/v1/namespaces/shop/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-creds' }, stringData: { password: CANARY } });
  await c.create('/api/v1/namespaces/shop/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'shop-api' } });
  await c.create('/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
  });
  await c.create('/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'shop-api-reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'shop-api', namespace: 'shop' }],
  });
  await c.create('/apis/apps/v1/namespaces/shop/deployments', {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: {
          serviceAccountName: 'shop-api',
          containers: [{ name: 'api', image: 'registry.invalid/api:1', env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } }] }],
        },
      },
    },
  });
}

/** Every object of the shop namespace (and the namespace), by key → resourceVersion: any write changes one. */
async function resourceVersions(tc: TestCluster): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const paths = ['/api/v1/namespaces/shop/configmaps', '/api/v1/namespaces/shop/secrets', '/api/v1/namespaces/shop/serviceaccounts',
    '/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles', '/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings', '/apis/apps/v1/namespaces/shop/deployments'];
  for (const path of paths) {
    for (const o of (await tc.client.listAll(path)).items as KubeObject[]) out[`${path}/${o.metadata.name}`] = o.metadata.resourceVersion ?? '';
  }
  out.namespace = (await tc.client.get<KubeObject>('/api/v1/namespaces/shop')).metadata.resourceVersion ?? '';
  return out;
}

async function expectNoCanary(folder: string): Promise<void> {
  const { stdout } = await execa('grep', ['-rl', CANARY, folder], { reject: false });
  expect(stdout.trim()).toBe('');
}
