import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { runDrill } from '../../src/engine/run-drill.js';
import { nullProgress } from '../../src/cli/progress.js';
import { testLogger } from '../support/cluster.js';
import { listStates } from '../../src/providers/local/state.js';
import { isAlive } from '../../src/providers/local/process.js';
import { attachLocalCluster } from '../../src/providers/local/create.js';
import { verifyAuditLog } from '../../src/audit/audit-log.js';

const here = import.meta.dirname;
const KDRILL = join(here, '../../bin/kdrill.js');
const scenario = (name: string) => join(here, 'scenarios', `${name}.yaml`);

describe('drill engine on the local provider', () => {
  let home: string;
  let out: string;
  const previousHome = process.env.KDRILL_HOME;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kdrill-engine-'));
    out = join(home, 'reports');
    process.env.KDRILL_HOME = home;
  });
  afterAll(async () => {
    for (const { dir } of await listStates(join(home, 'clusters'))) await (await attachLocalCluster(dir, testLogger())).destroy();
    process.env.KDRILL_HOME = previousHome;
    await rm(home, { recursive: true, force: true });
  });

  it('runs the phases in order and leaves no cluster behind', async () => {
    const outcome = await runDrill({ files: [scenario('quick-pass')], outDir: join(out, 'pass'), logger: testLogger(), progress: nullProgress });
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict).toBe('passed');
    expect(outcome.exitCode).toBe(0);
    const phases = s.timeline.filter((e) => !e.step).map((e) => `${e.phase}:${e.status}`);
    expect(phases).toEqual(['provision:passed', 'seed:passed', 'baseline:passed', 'backup:passed', 'chaos:skipped', 'restore:passed', 'verify:passed', 'teardown:passed']);
    for (let i = 1; i < s.timeline.length; i++) expect(s.timeline[i]!.startedAt).toBeGreaterThanOrEqual(s.timeline[0]!.startedAt);
    expect(s.measurements.rtoMs).toBeGreaterThan(0);
    expect(s.measurements.lostWrites).toBe(0);
    expect(s.objectives.map((o) => [o.name, o.passed])).toEqual([['rto', true], ['rpo', true]]);
    expect(s.environment.kubernetesVersion).toMatch(/^v1\./);
    expect(await listStates(join(home, 'clusters'))).toEqual([]);
    expect((await verifyAuditLog(join(outcome.outDir, 'audit.jsonl'))).ok).toBe(true);
  });

  it('times out a phase, records where it stopped, and still tears down and reports', async () => {
    const outcome = await runDrill({ files: [scenario('backup-timeout')], outDir: join(out, 'timeout'), logger: testLogger(), progress: nullProgress });
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict).toBe('error');
    expect(outcome.exitCode).toBe(2);
    expect(s.error).toMatchObject({ code: 'E_TIMEOUT', phase: 'backup' });
    expect(s.timeline.find((e) => e.phase === 'backup' && !e.step)?.status).toBe('failed');
    expect(s.timeline.find((e) => e.phase === 'teardown')?.status).toBe('passed');
    expect(s.timeline.some((e) => e.phase === 'restore')).toBe(false);
    expect(await listStates(join(home, 'clusters'))).toEqual([]);
    const junit = new XMLParser({ ignoreAttributes: false }).parse(await readFile(join(outcome.outDir, 'junit.xml'), 'utf8')) as { testsuites: { '@_errors': string } };
    expect(Number(junit.testsuites['@_errors'])).toBe(1);
  });

  it('tears the cluster down when the seed phase fails', async () => {
    const outcome = await runDrill({ files: [scenario('seed-fails')], outDir: join(out, 'seed'), logger: testLogger(), progress: nullProgress });
    const s = outcome.results.scenarios[0]!;
    expect(s.verdict).toBe('error');
    expect(s.error).toMatchObject({ phase: 'seed', code: 'E_SCENARIO_INVALID' });
    expect(s.error?.message).toContain('does-not-exist.yaml');
    expect(await listStates(join(home, 'clusters'))).toEqual([]);
  });

  it('keeps the cluster running with keep: true', async () => {
    const outcome = await runDrill({ files: [scenario('missed-rto')], outDir: join(out, 'keep'), keep: true, logger: testLogger(), progress: nullProgress });
    expect(outcome.results.scenarios[0]!.verdict).toBe('failed');
    const states = await listStates(join(home, 'clusters'));
    expect(states).toHaveLength(1);
    expect(Object.values(states[0]!.state.pids).every((pid) => pid !== undefined && isAlive(pid))).toBe(true);
    await (await attachLocalCluster(states[0]!.dir, testLogger())).destroy();
  });
});

describe('kdrill CLI exit codes (subprocess)', () => {
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kdrill-cli-'));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });
  const run = (...args: string[]) => execa('node', [KDRILL, ...args], { env: { KDRILL_HOME: home, CI: 'true' }, reject: false });

  it('exits 0 when every scenario passes, 1 when an objective is missed, 2 on invalid input', async () => {
    const pass = await run('run', scenario('quick-pass'), '--output', join(home, 'r0'));
    expect(pass.stdout).toContain('✓ quick-pass passed');
    expect(pass.exitCode).toBe(0);
    const missed = await run('run', scenario('missed-rto'), '--output', join(home, 'r1'));
    expect(missed.stdout).toContain('missed-rto failed — RTO');
    expect(missed.exitCode).toBe(1);
    const invalid = await run('run', scenario('invalid'));
    expect(invalid.exitCode).toBe(2);
    expect(invalid.stderr).toMatch(/invalid\.yaml:6:\d+ spec\.backup\.strategy: unknown strategy "resource-exprt"/);
    expect(invalid.stderr).toContain('did you mean "resource-export"');
    expect(await readdir(join(home, 'r0'))).toEqual(expect.arrayContaining(['report.md', 'junit.xml', 'results.json', 'audit.jsonl', 'kdrill.log']));
    expect(existsSync(join(home, 'clusters')) ? await readdir(join(home, 'clusters')) : []).toEqual([]);
  });

  it('--keep leaves the cluster running after kdrill exits, reachable with the printed kubeconfig', async () => {
    const kept = await run('run', scenario('quick-pass'), '--keep', '--output', join(home, 'keep'));
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(kept.stderr).toMatch(/kept cluster quick-pass-\w+: kubectl --kubeconfig \S+ get ns/);
    const states = await listStates(join(home, 'clusters'));
    expect(states).toHaveLength(1);
    expect(Object.values(states[0]!.state.pids).every((pid) => pid !== undefined && isAlive(pid))).toBe(true);
    const { KubeClient } = await import('../../src/kube/client.js');
    const client = KubeClient.fromFile(join(states[0]!.dir, 'kubeconfig'));
    expect(await client.getOptional('/api/v1/namespaces/drill-0')).toBeDefined();
    client.close();
    expect((await run('cluster', 'down', '--all')).exitCode).toBe(0);
    expect(await listStates(join(home, 'clusters'))).toEqual([]);
  });

  it('prints help with examples for every command', async () => {
    for (const command of ['run', 'validate', 'list', 'report', 'cluster', 'keys', 'backups']) {
      const help = await run(command, '--help');
      expect(help.exitCode, command).toBe(0);
      expect(help.stdout, command).toMatch(/Usage: kdrill/);
    }
  });
});
