import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/audit-log.js';
import type { RunResults, ScenarioResult } from '../../src/contracts/types.js';
import { attachLocalCluster } from '../../src/providers/local/create.js';
import { listStates } from '../../src/providers/local/state.js';
import { defaultCatalog } from '../../src/scenario/catalog.js';
import { loadDocuments } from '../../src/scenario/loader.js';
import { testLogger } from '../support/cluster.js';

const ROOT = join(import.meta.dirname, '../..');
const KDRILL = join(ROOT, 'bin/kdrill.js');
const REPORTS = ['report.md', 'junit.xml', 'results.json', 'audit.jsonl', 'kdrill.log'];

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The base64 (and base64url) characters that encode `text` whatever bytes precede it: one string per alignment. */
function alignedBase64(text: string): string[] {
  const forms = [0, 1, 2].map((pad) => {
    const encoded = Buffer.concat([Buffer.alloc(pad), Buffer.from(text)]).toString('base64');
    // Skip the group that mixes in the preceding bytes, and stop at the last group made of `text` alone.
    return encoded.slice(pad === 0 ? 0 : 4, 4 * Math.floor((pad + text.length) / 3));
  });
  return [...forms, ...forms.map((f) => f.replaceAll('+', '-').replaceAll('/', '_'))];
}

/**
 * What a leaked secret looks like in a file: a canary (every one starts `kdrill-canary-`) or a private key PEM, in
 * plain text, base64 or base64url. The test never learns the values themselves.
 */
function leakPatterns(): RegExp[] {
  const encoded = [...alignedBase64('kdrill-canary-'), ...alignedBase64('PRIVATE KEY-----')];
  return [/kdrill-canary-[0-9a-f]{24}/, /PRIVATE KEY-----/, ...encoded.map((s) => new RegExp(s.replace(/[+/]/g, '\\$&')))];
}

async function leaks(dir: string): Promise<string[]> {
  const patterns = leakPatterns();
  const hits: string[] = [];
  for (const file of await filesUnder(dir)) {
    const text = (await readFile(file)).toString('latin1');
    patterns.forEach((p, i) => p.test(text) && hits.push(`${file}: pattern #${i}`));
  }
  return hits;
}

const readResults = async (out: string) => JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults;
const failingChecks = (s: ScenarioResult) => s.checks.filter((c) => !c.asExpected).map((c) => c.id);

describe('built-in drills end to end (kdrill run as a subprocess, local provider)', () => {
  let home: string;
  const run = (out: string, ...files: string[]) =>
    execa('node', [KDRILL, 'run', ...files, '--output', out], { cwd: ROOT, env: { KDRILL_HOME: home, CI: 'true' }, reject: false });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kdrill-library-'));
  });
  afterAll(async () => {
    for (const { dir } of await listStates(join(home, 'clusters'))) await (await attachLocalCluster(dir, testLogger())).destroy();
    await rm(home, { recursive: true, force: true });
  });

  it('finds a planted canary in plain, base64 and base64url form at every alignment', () => {
    const canary = `kdrill-canary-${'ab12'.repeat(6)}`;
    for (const pad of ['', 'x', 'xy']) {
      const b64 = Buffer.from(pad + canary).toString('base64');
      const url = Buffer.from(pad + canary).toString('base64url');
      for (const text of [canary, b64, url]) expect(leakPatterns().some((p) => p.test(`{"v":"${text}"}`)), `${pad}:${text}`).toBe(true);
      expect(leakPatterns().some((p) => p.test(Buffer.from(`${pad}-----BEGIN PRIVATE KEY-----`).toString('base64'))), pad).toBe(true);
    }
    expect(leakPatterns().some((p) => p.test('restored Secret shop/db-credentials (3 keys, hashes match)'))).toBe(false);
  });

  it('smoke: passes, writes every report, and no secret reaches any file', async () => {
    const out = join(home, 'smoke');
    const result = await run(out, 'drills/smoke.yaml');
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('✓ secret-wipe passed');
    expect(await readdir(out)).toEqual(expect.arrayContaining(REPORTS));
    const results = await readResults(out);
    expect(results.verdict).toBe('passed');
    const [scenario] = results.scenarios;
    expect(scenario).toMatchObject({ name: 'secret-wipe', verdict: 'passed', restore: { strategy: 'resource-export', target: 'same', attempts: 1 } });
    expect(scenario!.checks.map((c) => `${c.id}:${c.status}`)).toEqual(['secret-injection:passed', 'state-diff:passed', 'idempotence:passed', 'no-plaintext-secrets:passed']);
    expect(scenario!.restore!.counts.created).toBe(15);
    expect(scenario!.measurements.lostWrites).toBe(0);
    expect(await leaks(out)).toEqual([]);
    expect((await verifyAuditLog(join(out, 'audit.jsonl'))).ok).toBe(true);
    expect(await listStates(join(home, 'clusters'))).toEqual([]);
  });

  it('proofs: exits 1, and each must-fail scenario fails on exactly the check it is about', async () => {
    const out = join(home, 'proofs');
    const result = await run(out, 'drills/proofs.yaml');
    expect(result.exitCode, result.stderr).toBe(1);
    const scenarios = Object.fromEntries((await readResults(out)).scenarios.map((s) => [s.name, s]));
    expect(Object.keys(scenarios).sort()).toEqual(['controller-upgrade-drift', 'etcd-restore-one-member', 'rbac-hidden-grant']);
    for (const s of Object.values(scenarios)) {
      expect(s.verdict, s.name).toBe('failed');
      expect(s.error, s.name).toBeUndefined();
      expect(s.objectives.every((o) => o.passed), s.name).toBe(true);
    }

    const drift = scenarios['controller-upgrade-drift']!;
    expect(failingChecks(drift)).toEqual(['crd-compat']);
    const crdCompat = drift.checks.find((c) => c.id === 'crd-compat')!;
    expect(crdCompat.status).toBe('failed');
    const problems = JSON.stringify((crdCompat.evidence as { problems: unknown }).problems);
    expect(problems).toContain('version v1beta1 was served at baseline and is missing now');
    expect(problems).toContain('needed by controller widget-operator 1.8.2');
    expect(problems).toContain('needed by Deployment platform-system/widget-operator');
    expect(drift.checks.find((c) => c.id === 'controller-reconcile')!.status).toBe('passed');

    // The planted grant dressed as bootstrap RBAC: seen, explained from the backup, and how to remove it.
    const hidden = scenarios['rbac-hidden-grant']!;
    expect(failingChecks(hidden)).toEqual(['rbac-creep']);
    const creep = hidden.checks.find((c) => c.id === 'rbac-creep')!;
    expect(creep.summary).toMatch(/^RBAC changed: 2 subjects gained \d+ permissions, \d+ new dangerous grants via ClusterRoleBinding system:kube-dns-metrics; SubjectAccessReview agreed on 40\/40 samples$/);
    const cause = (creep.evidence as { cause: { items: { object: string; backup: string; cause: string; fix: string[] }[] } }).cause.items;
    expect(cause).toEqual([{
      object: 'ClusterRoleBinding system:kube-dns-metrics', change: 'added', grants: 'ClusterRole cluster-admin',
      subjects: ['ServiceAccount kube-system/default', 'Group system:nodes'], backup: 'absent',
      cause: `not in backup ${hidden.backup!.id}: made after the backup (by a chaos step, an attacker or a change nobody reviewed), and kept because the restore does not prune`,
      fix: [
        'kubectl delete clusterrolebinding system:kube-dns-metrics', 'rotate tokens of kube-system/default', 'revoke the credentials of Group system:nodes',
        'restore with restore.options.prune: true, so a restore removes grants the backup does not have',
      ],
    }]);
    expect(creep.recommendation).toMatch(/^ClusterRoleBinding system:kube-dns-metrics \(ClusterRole cluster-admin to ServiceAccount kube-system\/default, Group system:nodes\) is new: not in backup /);

    // The classic mistake after a quorum loss: one member restored, two started empty. The evidence names members.
    const oneMember = scenarios['etcd-restore-one-member']!;
    expect(failingChecks(oneMember)).toEqual(['etcd-consistency']);
    expect(oneMember.restore!.notes.join('\n')).toContain('only etcd-0 restored from the snapshot (members: first); etcd-1, etcd-2 started from their own data dirs');
    const consistency = oneMember.checks.find((c) => c.id === 'etcd-consistency')!;
    expect(consistency.summary).toMatch(/etcd members disagree at revision \d+: etcd-\d \(https:\/\/127\.0\.0\.1:\d+\) /);
    expect(consistency.summary).toMatch(/etcd members are at revisions \d+ apart: etcd-0 \(https:\/\/127\.0\.0\.1:\d+\) at \d+, etcd-1 /);
  });

  // No time limit on the drills themselves: durations are figures (printed below, measured in bench/), not assertions.
  it('nightly: every scenario of the library runs and gets its expected verdict', { timeout: 90 * 60_000 }, async () => {
    const { scenarios: library } = await loadDocuments([join(ROOT, 'drills/nightly.yaml')], defaultCatalog());
    const expected = Object.fromEntries(library.map((s) => [s.document.metadata.name, s.document.metadata.labels?.['kdrill.dev/expected-verdict']]));
    expect(Object.keys(expected)).toHaveLength(14);
    const out = join(home, 'nightly');
    const result = await run(out, 'drills/nightly.yaml');
    const results = await readResults(out);
    const got = Object.fromEntries(results.scenarios.map((s) => [s.name, s.verdict]));
    // The figures the lead asked for: each scenario's duration and verdict.
    console.log(results.scenarios.map((s) => `${s.name}: ${s.verdict} in ${(s.durationMs / 1000).toFixed(1)}s${s.verdict === 'passed' ? '' : ` (${failingChecks(s).join(', ') || s.error?.message})`}`).join('\n'));
    expect(got).toEqual(expected);
    expect(result.exitCode, result.stderr).toBe(0);
    const byName = Object.fromEntries(results.scenarios.map((s) => [s.name, s]));
    expect(byName['restore-interrupted']!.restore).toMatchObject({ attempts: 2, notes: expect.arrayContaining([expect.stringMatching(/^attempt 1 failed: /)]) });
    expect(byName['full-cluster-loss']!.restore).toMatchObject({ strategy: 'etcd-snapshot', target: 'fresh' });
    expect(byName['fresh-cluster-api-export']!.restore).toMatchObject({ strategy: 'resource-export', target: 'fresh' });
    // Both planted bindings, the disguised one included, are pruned.
    expect(byName['rbac-tamper']!.restore!.counts.pruned).toBeGreaterThanOrEqual(2);
    expect(byName['rbac-tamper']!.restore!.notes.join('\n')).toContain('ClusterRoleBinding system:kube-dns-metrics');
    expect(byName['etcd-quorum-loss']!.restore!.notes).toContain('every etcd member (etcd-0, etcd-1, etcd-2) restored from the same snapshot with a new cluster token, bumped revision and compaction mark');
    // No snapshot: the replaced member took its data from the other two, and all three agree.
    const replaced = byName['etcd-member-replace']!;
    expect(replaced.restore!.counts).toEqual({ replaced: 1, restarted: 0, healthy: 2 });
    expect(replaced.restore!.notes).toContain('no etcd snapshot was read: every replaced member took its data from the surviving members');
    expect(replaced.checks.find((c) => c.id === 'etcd-consistency')!.summary).toContain('3 members agree on hashkv');
    expect(byName['kek-rotation']!.timeline.some((e) => e.step?.includes('rotate-kek') && e.status === 'passed')).toBe(true);
    expect(await leaks(out)).toEqual([]);
    expect(await listStates(join(home, 'clusters'))).toEqual([]);
  });
});
