import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEvidence } from '../../audit/evidence.js';
import { writeFinishedRun } from '../../audit/fixtures/finished-run.js';
import { readSigningKey } from '../../audit/signing-key.js';
import { cliHarness } from '../../../test/support/cli.js';

let dir: string;
const cli = cliHarness();
const run = cli.run;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-cli-evidence-'));
  cli.start();
});
afterEach(async () => {
  cli.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('kdrill keys create --signing and kdrill evidence verify', () => {
  it('creates a key pair, verifies a signed run (0), names a changed file (1), refuses bad input (2)', async () => {
    const key = join(dir, 'keys', 'signing.key');
    const created = await run('keys', 'create', '--signing', '--out', key);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`public key ${key}.pub`);
    expect(created.stdout).toMatch(/fingerprint sha256:[0-9a-f]{64}/);
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect(created.stdout).not.toContain((await readFile(key, 'utf8')).split('\n')[1]);

    const folder = join(dir, 'run');
    await writeEvidence(folder, await writeFinishedRun(folder), await readSigningKey(key));
    const good = await run('evidence', 'verify', folder, '--public-key', `${key}.pub`);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('✓ audit.jsonl: 6 lines, chain intact');
    expect(good.stdout.trimEnd().split('\n').at(-1)).toBe('VERIFIED');

    await writeFile(join(folder, 'report.md'), '# Drill report\n\nVerdict: passed\n');
    const bad = await run('evidence', 'verify', folder, '--public-key', `${key}.pub`);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('✗ report.md: sha256');
    expect(bad.stdout.trimEnd().split('\n').at(-1)).toBe('NOT VERIFIED: 1 problem(s); first: report.md');
    const json = await run('--json', 'evidence', 'verify', folder, '--public-key', `${key}.pub`);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, firstMismatch: 'report.md', runId: 'run-1' });

    expect((await run('evidence', 'verify', join(dir, 'nowhere'), '--public-key', `${key}.pub`)).code).toBe(2);
    expect((await run('evidence', 'verify', folder, '--public-key', key)).stderr).toContain('holds a private key');
    expect((await run('evidence', 'verify', folder)).code).toBe(2);
  });

  it('keeps `keys create` for key-encryption keys requiring --out', async () => {
    const result = await run('keys', 'create');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out <path> is required');
  });
});
