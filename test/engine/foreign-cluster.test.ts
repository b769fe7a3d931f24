import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runDrill } from '../../src/engine/run-drill.js';
import { nullProgress } from '../../src/cli/progress.js';
import type { RunResults } from '../../src/contracts/types.js';
import type { ScenarioSpecType } from '../../src/scenario/schema.js';
import { startTestCluster, testLogger, type TestCluster } from '../support/cluster.js';
import { waitFor } from '../support/wait.js';

const KDRILL = join(import.meta.dirname, '../../bin/kdrill.js');
const RUN_ID_LABEL = 'kdrill.dev/run-id';

// A local cluster started by the test and handed to kdrill through the `kubeconfig` provider: to kdrill it is a
// cluster it did not create, like staging. kdrill must not break it, nor write into it, without allowDestructive.
describe('a cluster kdrill did not create (kubeconfig provider on a real local cluster)', () => {
  let tc: TestCluster;
  let dir: string;

  beforeAll(async () => {
    tc = await startTestCluster({ name: 'foreign' });
    dir = await mkdtemp(join(tmpdir(), 'kdrill-foreign-'));
    // The team's own data, which no drill may touch.
    await tc.client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await tc.client.create('/api/v1/namespaces/shop/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'live' } });
  });
  afterAll(async () => {
    await tc?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  async function scenarioFile(name: string, spec: Partial<ScenarioSpecType>, cluster: Record<string, unknown> = {}): Promise<string> {
    const file = join(dir, `${name}.yaml`);
    const document = {
      apiVersion: 'kdrill.dev/v1alpha1',
      kind: 'Scenario',
      metadata: { name },
      spec: {
        cluster: { provider: 'kubeconfig', options: { path: tc.cluster.kubeconfigPath }, ...cluster },
        backup: { strategy: 'resource-export', options: { namespaces: ['shop'], includeClusterScoped: false } },
        checks: [{ check: 'state-diff', options: { namespaces: ['shop'] } }],
        ...spec,
      },
    };
    await writeFile(file, stringify(document));
    return file;
  }

  const drill = (file: string, out: string, extra: { allowSkipped?: boolean } = {}) =>
    runDrill({ files: [file], outDir: join(dir, out), logger: testLogger(), progress: nullProgress, ...extra });

  /** Every trace kdrill could leave: its marker namespace and any object carrying its run-id label. */
  async function traces(): Promise<string[]> {
    const found: string[] = [];
    if (await tc.client.getOptional('/api/v1/namespaces/kdrill-system')) found.push('namespace kdrill-system');
    for (const path of ['/api/v1/namespaces', '/api/v1/secrets', '/api/v1/configmaps', '/api/v1/serviceaccounts']) {
      const labelled = await tc.client.listAll(path, { labelSelector: RUN_ID_LABEL });
      found.push(...labelled.items.map((o) => `${path} ${o.metadata.namespace ?? ''}/${o.metadata.name}`));
    }
    return found;
  }

  async function shopUntouched(): Promise<void> {
    const settings = await tc.client.get<{ data: Record<string, string>; metadata: { labels?: Record<string, string> } }>('/api/v1/namespaces/shop/configmaps/settings');
    expect(settings.data).toEqual({ mode: 'live' });
    expect(settings.metadata.labels?.[RUN_ID_LABEL]).toBeUndefined();
  }

  it('refuses a destructive step, a pruning restore and fixtures before writing anything into it', async () => {
    const fixtures = { generate: { namespaces: 1, secretsPerNamespace: 1, namePrefix: 'unsafe' } };
    const cases: [string, Partial<ScenarioSpecType>, RegExp][] = [
      ['unsafe-chaos', { fixtures, chaos: [{ step: 'delete-secrets', options: { namespaces: ['shop'] } }] }, /chaos step delete-secrets is destructive/],
      ['unsafe-prune', { fixtures, restore: { options: { prune: true } } }, /the restore \(resource-export: prune deletes live objects/],
      ['unsafe-fixtures', { fixtures }, /seeding fixtures/],
    ];
    for (const [name, spec, message] of cases) {
      const outcome = await drill(await scenarioFile(name, spec), name);
      const s = outcome.results.scenarios[0]!;
      expect(s.verdict, name).toBe('error');
      expect(outcome.exitCode, name).toBe(2);
      expect(s.error, name).toMatchObject({ code: 'E_UNSAFE_TARGET', phase: 'provision', message: expect.stringMatching(message) });
      expect(s.timeline.some((e) => e.phase === 'seed'), name).toBe(false);
      expect(await traces(), name).toEqual([]);
    }
    await shopUntouched();
  });

  it('drills it read-and-restore without allowDestructive, writing no RPO markers into it', async () => {
    const outcome = await drill(await scenarioFile('read-only', {}), 'read-only');
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict, JSON.stringify(s.error ?? s.checks)).toBe('passed');
    expect(s.measurements.lostWrites).toBeUndefined();
    expect(s.measurements.writesAfterBackup).toBeUndefined();
    expect(await traces()).toEqual([]);
    await shopUntouched();
  });

  it('fails a scenario whose check was skipped (no etcd access there) unless it is optional or --allow-skipped is given', async () => {
    const checks = (optional?: boolean) => [{ check: 'etcd-consistency', ...(optional ? { optional } : {}) }, { check: 'state-diff', options: { namespaces: ['shop'] } }];
    const required = await scenarioFile('skip-required', { checks: checks() });
    const run = (out: string, ...flags: string[]) =>
      execa('node', [KDRILL, 'run', required, '--output', join(dir, out), ...flags], { env: { KDRILL_HOME: join(dir, 'home'), CI: 'true' }, reject: false });

    const failed = await run('skip-cli');
    expect(failed.exitCode, failed.stderr).toBe(1);
    expect(failed.stdout).toContain('✗ skip-required failed — passed with 1 check skipped: etcd-consistency');
    const results = JSON.parse(await readFile(join(dir, 'skip-cli', 'results.json'), 'utf8')) as RunResults;
    const [etcd, diff] = results.scenarios[0]!.checks;
    expect(etcd).toMatchObject({ id: 'etcd-consistency', status: 'skipped', asExpected: false });
    expect(diff).toMatchObject({ id: 'state-diff', status: 'passed', asExpected: true });
    expect(results.scenarios[0]!.measurements.rtoMs).toBeGreaterThan(0);
    expect(results.scenarios[0]!.timeline.find((e) => e.phase === 'verify' && e.step === 'etcd-consistency')?.status).toBe('skipped');
    expect(failed.stderr).toMatch(/verify › etcd-consistency \S+ skipped: cluster \S+ \(provider kubeconfig\) gives no etcd access/);
    const junit = await readFile(join(dir, 'skip-cli', 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase classname="kdrill\.skip-required\.checks" name="etcd-consistency"[^>]*>\s*<skipped\/>/);
    expect(junit).toContain('message="passed with 1 check skipped: etcd-consistency"');
    const report = await readFile(join(dir, 'skip-cli', 'report.md'), 'utf8');
    expect(report.split('\n')[2]).toBe('❌ **Failed.** 1 of 1 scenario did not pass: `skip-required` (passed with 1 check skipped: `etcd-consistency`).');

    const allowed = await run('skip-allowed', '--allow-skipped');
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('✓ skip-required passed');

    const optional = await drill(await scenarioFile('skip-optional', { checks: checks(true) }), 'skip-optional');
    expect(optional.exitCode).toBe(0);
    expect(optional.results.scenarios[0]!.checks[0]).toMatchObject({ status: 'skipped', optional: true, asExpected: true });
    expect(await readFile(join(dir, 'skip-optional', 'report.md'), 'utf8')).toContain('✅ **Passed with 1 check skipped** (marked optional: `etcd-consistency`)');
  });

  it('with allowDestructive, seeds and breaks it, then removes everything kdrill wrote', async () => {
    const file = await scenarioFile('opted-in', {
      fixtures: { generate: { namespaces: 1, secretsPerNamespace: 2, configMapsPerNamespace: 1, namePrefix: 'optin' } },
      backup: { strategy: 'resource-export', options: { namespaces: ['optin-0'], includeClusterScoped: false } },
      chaos: [{ step: 'delete-secrets', options: { namespaces: ['optin-0'] } }],
      checks: [{ check: 'secret-injection', options: { namespaces: ['optin-0'] } }, { check: 'state-diff', options: { namespaces: ['optin-0'] } }],
    }, { allowDestructive: true });
    const outcome = await drill(file, 'opted-in');
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict, JSON.stringify(s.error ?? s.checks.map((c) => c.summary))).toBe('passed');
    expect(s.measurements).toMatchObject({ lostWrites: 0, writesAfterBackup: 3 });
    // Namespaces go through Terminating: wait for the namespace controller rather than for a fixed time.
    await waitFor(async () => (await traces()).length === 0, 10 * 60_000);
    await shopUntouched();
  });

  it('refuses fixtures that already exist there: teardown would delete what kdrill did not make', async () => {
    await tc.client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'taken-0' } });
    const file = await scenarioFile('taken', { fixtures: { generate: { namespaces: 1, namePrefix: 'taken' } } }, { allowDestructive: true });
    const s = (await drill(file, 'taken')).results.scenarios[0]!;
    expect(s.error).toMatchObject({ code: 'E_UNSAFE_TARGET', phase: 'seed', message: expect.stringContaining('Namespace taken-0') });
    const ns = await tc.client.get('/api/v1/namespaces/taken-0');
    expect(ns.metadata.labels?.[RUN_ID_LABEL]).toBeUndefined();
    expect(await traces()).toEqual([]);
  });
});
