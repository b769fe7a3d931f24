import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/audit-log.js';
import type { Evidence } from '../../src/audit/evidence.js';
import type { RunResults } from '../../src/contracts/types.js';
import { parseExposition } from '../../src/metrics/exposition.js';

const ROOT = join(import.meta.dirname, '../..');
const missingTools = ['jq', 'openssl', 'sha256sum'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const KDRILL = join(ROOT, 'bin/kdrill.js');

/**
 * One real drill (drills/smoke.yaml: secret-wipe on the local provider) signed with --sign and publishing a metrics
 * file, then verified and tampered with through the CLI as an auditor would.
 */
describe('a signed drill on the local provider', () => {
  let home: string;
  let report: string;
  let metrics: string;
  let drill: Awaited<ReturnType<typeof kdrill>>;
  const kdrill = (...args: string[]) => execa('node', [KDRILL, ...args], { cwd: ROOT, env: { KDRILL_HOME: home, CI: 'true' }, reject: false });
  const verify = (dir: string, pub = join(home, 'signing.key.pub')) => kdrill('evidence', 'verify', dir, '--public-key', pub);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'kdrill-signed-drill-'));
    report = join(home, 'reports', 'run');
    metrics = join(home, 'kdrill.prom');
    expect((await kdrill('keys', 'create', '--signing', '--out', join(home, 'signing.key'))).exitCode).toBe(0);
    drill = await kdrill('run', 'drills/smoke.yaml', '--sign', join(home, 'signing.key'), '--metrics-file', metrics, '--output', report);
  }, 600_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('passes and writes evidence.json last, binding every file, the audit head and the backup', async () => {
    expect(drill.stderr).not.toContain('E_');
    expect(drill.exitCode).toBe(0);
    expect(drill.stdout).toContain('kdrill.log, evidence.json)');
    const evidence = JSON.parse(await readFile(join(report, 'evidence.json'), 'utf8')) as Evidence;
    const results = JSON.parse(await readFile(join(report, 'results.json'), 'utf8')) as RunResults;
    expect(evidence.runId).toBe(results.runId);
    expect(evidence.files.map((f) => f.path)).toEqual(expect.arrayContaining(['results.json', 'junit.xml', 'report.md', 'kdrill.log']));
    expect(evidence.files.some((f) => f.path.startsWith('secret-wipe/backups/') && f.path.endsWith('/manifest.json'))).toBe(true);
    const backup = results.scenarios[0]!.backup!;
    const manifest = JSON.parse(await readFile(join(report, 'secret-wipe', 'backups', backup.id, 'manifest.json'), 'utf8')) as { rootHash: string };
    expect(evidence.backups).toEqual([{ scenario: 'secret-wipe', id: backup.id, rootHash: manifest.rootHash }]);
    const auditLines = (await readFile(join(report, 'audit.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(evidence.audit.lines).toBe(auditLines.length);
    expect(evidence.audit.headHash).toBe((JSON.parse(auditLines.at(-1)!) as AuditEntry).hash);
  });

  it('audit lines name the OS user, the kubeconfig user and context, and the cluster', async () => {
    const entries = (await readFile(join(report, 'audit.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as AuditEntry);
    const write = entries.find((e) => e.action === 'backup.write')!;
    const cluster = entries[0]!.subject;
    expect(write.actor).toEqual({ osUser: expect.any(String), kubeUser: `${cluster}-admin`, kubeContext: cluster });
    expect(write.cluster).toEqual({ name: cluster, provider: 'local', server: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) });
    expect(entries.every((e) => e.actor?.osUser && e.cluster?.name === cluster)).toBe(true);
  });

  it('verifies untouched (exit 0); one edited byte of report.md (exit 1) and another key (exit 1) are named', async () => {
    const good = await verify(report);
    expect(good.stdout).toContain('VERIFIED');
    expect(good.exitCode).toBe(0);

    const tampered = join(home, 'tampered');
    await cp(report, tampered, { recursive: true });
    const md = await readFile(join(tampered, 'report.md'));
    md[md.indexOf('passed')] = 'P'.charCodeAt(0);
    await writeFile(join(tampered, 'report.md'), md);
    const bad = await verify(tampered);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain('first: report.md');

    expect((await kdrill('keys', 'create', '--signing', '--out', join(home, 'other.key'))).exitCode).toBe(0);
    const other = await verify(report, join(home, 'other.key.pub'));
    expect(other.exitCode).toBe(1);
    expect(other.stdout).toContain('✗ evidence.json: signed by key');
  });

  const independent = `an auditor can check the signature and the hashes without kdrill (as docs/evidence.md shows)${missingTools.length ? ` (skipped: ${missingTools.join(', ')} not on PATH)` : ''}`;
  it.skipIf(missingTools.length > 0)(independent, async () => {
    const script = [
      "jq -cjS 'del(.signature)' evidence.json > \"$T/statement.json\"",
      'jq -r .signature evidence.json | base64 -d > "$T/signature.bin"',
      'openssl pkeyutl -verify -pubin -inkey "$T/signing.key.pub" -rawin -in "$T/statement.json" -sigfile "$T/signature.bin"',
      'jq -r \'.files[] | "\\(.sha256)  \\(.path)"\' evidence.json | sha256sum -c --quiet',
      'test "$(sha256sum audit.jsonl | cut -d" " -f1)" = "$(jq -r .audit.sha256 evidence.json)"',
    ].join(' && ');
    const result = await execa('sh', ['-c', script], { cwd: report, env: { T: home }, reject: false });
    expect(result.stdout).toContain('Signature Verified Successfully');
    expect(result.exitCode).toBe(0);
  });

  it('publishes the run as exposition-format gauges', async () => {
    const results = JSON.parse(await readFile(join(report, 'results.json'), 'utf8')) as RunResults;
    const s = results.scenarios[0]!;
    const families = parseExposition(await readFile(metrics, 'utf8'));
    const value = (name: string, labels: Record<string, string> = {}) =>
      families.find((f) => f.name === name)?.samples.find((x) => Object.entries({ scenario: 'secret-wipe', ...labels }).every(([k, v]) => x.labels[k] === v))?.value;
    expect(value('kdrill_drill_verdict', { verdict: 'passed' })).toBe(1);
    expect(value('kdrill_drill_last_success_timestamp_seconds')).toBe(Date.parse(s.finishedAt) / 1000);
    expect(value('kdrill_rto_seconds')).toBe(s.measurements.rtoMs! / 1000);
    expect(value('kdrill_backup_size_bytes')).toBe(s.backup!.sizeBytes);
    expect(s.checks.map((c) => value('kdrill_check_failed', { check_id: c.id }))).toEqual(s.checks.map(() => 0));
  });
});
