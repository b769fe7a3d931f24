import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../audit/audit-log.js';
import { LocalKeyProvider, createKeyFile } from '../../crypto/local-kms.js';
import { createLocalStore } from '../../store/local-store.js';
import { computeRootHash } from '../../store/manifest.js';
import { cliHarness } from '../../../test/support/cli.js';

const HOUR = 3_600_000;
let dir: string;
let store: string;
let keyFile: string;
let ids: string[];

const cli = cliHarness();
const run = cli.run;
const stored = async () => (await readdir(store)).sort();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-cli-prune-'));
  cli.start();
  store = join(dir, 'backups');
  keyFile = join(dir, 'key.json');
  await createKeyFile(keyFile);
  const keys = await LocalKeyProvider.fromFile(keyFile);
  // Eight nightly backups: 1 h, 25 h, 49 h ... old.
  ids = [];
  for (let age = 7; age >= 0; age--) {
    const at = new Date(Date.now() - HOUR - age * 24 * HOUR);
    const writer = await createLocalStore({ root: store, keys, now: () => at }).create({ strategy: 'resource-export', cluster: { name: 'c', provider: 'local', kubernetesVersion: 'v1.37.2' } });
    await writer.put('index.json', Buffer.from('{}'));
    ids.push((await writer.commit({})).id);
  }
  ids.reverse(); // newest first
  // A backup that crashed two days ago, and one still being written.
  for (const [name, age] of [['.partial-20261101T000000Z-aaaaaa', 48 * HOUR], ['.partial-20261202T000000Z-bbbbbb', 0]] as const) {
    await mkdir(join(store, name, 'resources'), { recursive: true });
    await writeFile(join(store, name, 'resources', 'x.json'), '[]');
    const when = new Date(Date.now() - age);
    for (const p of [join(store, name, 'resources', 'x.json'), join(store, name, 'resources'), join(store, name)]) await utimes(p, when, when);
  }
});
afterEach(async () => {
  cli.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('kdrill backups prune', () => {
  it('is a dry run by default: prints the plan and deletes nothing', async () => {
    const before = await stored();
    const plan = await run('backups', 'prune', '--store', store, '--key-file', keyFile, '--keep-last', '2');
    expect(plan.code, plan.stderr).toBe(0);
    expect(await stored()).toEqual(before);
    const actions = Object.fromEntries(plan.stdout.split('\n').filter((l) => /^\d{8}T/.test(l)).map((l) => [l.split(/\s{2,}/)[0], l.split(/\s{2,}/)[3]]));
    expect(actions).toEqual({ ...Object.fromEntries(ids.map((id, i) => [id, i < 2 ? 'keep' : 'delete'])), '20261101T000000Z-aaaaaa': 'partial: delete', '20261202T000000Z-bbbbbb': 'partial: keep' });
    expect(plan.stdout).toContain('dry run: would delete 6 backups and 1 partial backups');
  });

  it('--apply deletes what no rule keeps, and the stale partial, auditing every delete', async () => {
    const audit = join(dir, 'audit.jsonl');
    const result = await run('backups', 'prune', '--store', store, '--key-file', keyFile, '--keep-daily', '3', '--apply', '--audit', audit);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('deleted 5 backups and 1 partial backups');
    expect(await stored()).toEqual([...ids.slice(0, 3)].sort().concat('.partial-20261202T000000Z-bbbbbb').sort());
    const lines = (await readFile(audit, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.action === 'backup.delete').map((l) => l.subject).sort()).toEqual([...ids.slice(3), '20261101T000000Z-aaaaaa'].sort());
    expect((await verifyAuditLog(audit)).ok).toBe(true);
  });

  it('keeps the newest backup and every backup younger than --min-age; --json gives one object', async () => {
    const result = await run('--json', 'backups', 'prune', '--store', store, '--key-file', keyFile, '--keep-monthly', '1', '--min-age', '50h');
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan).toMatchObject({ applied: false, store });
    expect(plan.backups.filter((b: { action: string }) => b.action === 'keep').map((b: { id: string; reasons: string[] }) => [b.id, b.reasons])).toEqual([
      [ids[0], ['newest', 'monthly', 'min-age']],
      [ids[1], ['min-age']],
      [ids[2], ['min-age']],
    ]);
  });

  it('never deletes a backup that does not open, and a forged newer one does not push out the real newest', async () => {
    const forgedId = '20991231T000000Z-ffffff';
    const manifest = JSON.parse(await readFile(join(store, ids[0]!, 'manifest.json'), 'utf8'));
    await mkdir(join(store, forgedId));
    const forged = { ...manifest, id: forgedId, createdAt: '2099-12-31T00:00:00.000Z' };
    await writeFile(join(store, forgedId, 'manifest.json'), JSON.stringify({ ...forged, rootHash: computeRootHash(forged) }));
    await writeFile(join(store, forgedId, 'index.json'), '{}');
    const result = await run('backups', 'prune', '--store', store, '--key-file', keyFile, '--keep-last', '1', '--apply');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`${forgedId} .*unverified .*cannot unwrap the data key of backup`));
    expect((await stored()).filter((n) => !n.startsWith('.'))).toEqual([ids[0], forgedId]);
  });

  it('refuses a policy with no keep rule and a bad count (exit 2)', async () => {
    expect(await run('backups', 'prune', '--store', store, '--key-file', keyFile)).toMatchObject({ code: 2, stderr: expect.stringContaining('E_STORE_FLAG: no retention rule') });
    expect(await run('backups', 'prune', '--store', store, '--key-file', keyFile, '--keep-last', 'two')).toMatchObject({ code: 2, stderr: expect.stringContaining('--keep-last "two"') });
    expect(await stored()).toHaveLength(10);
  });
});

describe('store and --options flags', () => {
  it('reads a store from --store-config and names bad --store-option values (E_STORE_FLAG)', async () => {
    await writeFile(join(dir, 'store.yaml'), 'type: local\npath: backups\n');
    const list = await run('backups', 'list', '--store-config', join(dir, 'store.yaml'));
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n').filter((l) => /^\d{8}T/.test(l))).toHaveLength(8);
    expect(await run('backups', 'list', '--store', 's3://bucket/p', '--store-option', 'endpoint')).toMatchObject({ code: 2, stderr: expect.stringContaining('E_STORE_FLAG: --store-option "endpoint" is not KEY=VALUE') });
    const unknown = await run('backups', 'list', '--store', 's3://bucket/p', '--store-option', 'colour=blue');
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringMatching(/E_STORE_FLAG: invalid options for the s3 store[\s\S]*--store-option KEY=VALUE/) });
    const kms = await run('backups', 'verify', ids[0]!, '--store', store, '--kms', 'aws-kms', '--kms-option', 'region=us-east-1');
    expect(kms).toMatchObject({ code: 2, stderr: expect.stringMatching(/E_KMS_FLAG: --kms aws-kms: invalid options for KMS provider aws-kms[\s\S]*--kms-option KEY=VALUE/) });
  });

  it('shows the excerpt of an invalid --options value with a hint, under a code naming the flag', async () => {
    const bad = await run('backup', '--cluster', 'none', '--store', store, '--key-file', keyFile, '--options', '{includeKinds: [Secret}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('E_OPTIONS_FLAG: --options is not valid YAML/JSON');
    expect(bad.stderr).toContain('line 1, column');
    expect(bad.stderr).toContain('{includeKinds: [Secret}\n');
    expect(bad.stderr).toContain('hint: write inline YAML or JSON');
    const unknown = await run('backup', '--cluster', 'none', '--store', store, '--key-file', keyFile, '--options', '{includeKind: [Secret]}');
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringMatching(/E_OPTIONS_FLAG: --options: strategy resource-export option [\s\S]*hint: resource-export options: .*includeKinds/) });
  });
});
