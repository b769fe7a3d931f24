import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalKeyProvider } from '../../crypto/local-kms.js';
import { createLocalStore } from '../../store/local-store.js';
import { computeRootHash } from '../../store/manifest.js';
import { cliHarness } from '../../../test/support/cli.js';

const CANARY = 'cli-canary-Vb7Rt2Kq9Lm4';
let dir: string;
const cli = cliHarness();
const run = cli.run;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-cli-keys-'));
  cli.start();
});
afterEach(async () => {
  cli.stop();
  await rm(dir, { recursive: true, force: true });
});

async function backupWith(keyFile: string, store: string): Promise<string> {
  const keys = await LocalKeyProvider.fromFile(keyFile);
  const writer = await createLocalStore({ root: store, keys }).create({ strategy: 'resource-export', cluster: { name: 'drill', provider: 'local', kubernetesVersion: 'v1.34.1' } });
  await writer.put('resources/v1/secrets.json', Buffer.from(`{"password":"${CANARY}"}`), { sealed: true });
  await writer.put('resources/v1/configmaps.json', Buffer.from('{"items":[]}'));
  return (await writer.commit({ objects: 2 })).id;
}

describe('kdrill keys', () => {
  it('creates, refuses to overwrite, rotates and re-wraps every backup, printing ids but never material', async () => {
    const keyFile = join(dir, 'keys', 'key.json');
    const store = join(dir, 'backups');
    const created = await run('keys', 'create', '--out', keyFile);
    expect(created.code).toBe(0);
    const file = JSON.parse(await readFile(keyFile, 'utf8'));
    expect(created.stdout).toBe(`created ${keyFile}: key ${file.keyId}, version 1\n`);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await run('keys', 'create', '--out', keyFile)).code).toBe(2);

    const ids = [await backupWith(keyFile, store), await backupWith(keyFile, store)];
    const rotated = await run('keys', 'rotate', '--key-file', keyFile);
    expect(rotated.stdout).toContain(`key ${file.keyId} now wraps with version 2 (versions kept: 1, 2)`);
    const rewrap = await run('keys', 'rewrap', '--store', store, '--key-file', keyFile, '--all');
    expect(rewrap.code).toBe(0);
    expect(rewrap.stdout.split('\n').filter(Boolean)).toEqual([
      ...ids.sort().map((id) => `${id}: re-wrapped local:${file.keyId}@v1 -> local:${file.keyId}@v2`),
      '2 of 2 backups processed',
    ]);
    const material = JSON.parse(await readFile(keyFile, 'utf8')).keys.map((k: { material: string }) => k.material);
    for (const text of [created.stdout, rotated.stdout, rewrap.stdout]) for (const m of material) expect(text).not.toContain(m);
    expect((await run('keys', 'rewrap', '--store', store, '--key-file', keyFile)).code).toBe(2);
  });

  it('refuses a key file inside the store', async () => {
    const store = join(dir, 'backups');
    await run('keys', 'create', '--out', join(store, 'key.json'));
    const result = await run('keys', 'rewrap', '--store', store, '--key-file', join(store, 'key.json'), '--all');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('E_KEY: key file');
  });
});

describe('kdrill backups', () => {
  let keyFile: string;
  let store: string;
  let id: string;
  beforeEach(async () => {
    keyFile = join(dir, 'key.json');
    store = join(dir, 'backups');
    await run('keys', 'create', '--out', keyFile);
    id = await backupWith(keyFile, store);
  });

  it('calls a store folder that does not exist an error (exit 2), not "no backups"', async () => {
    const missing = await run('backups', 'list', '--store', join(dir, 'no-such-store'));
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain(`E_STORE: backup store ${join(dir, 'no-such-store')} does not exist`);
    expect(missing.stderr).toContain('hint: check --store');
  });

  it('lists and shows a backup without its contents or wrapped key', async () => {
    const list = await run('backups', 'list', '--store', store);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+CREATED\s+STRATEGY\s+CLUSTER\s+SIZE$/);
    expect(list.stdout.split('\n')[1]).toMatch(new RegExp(`^${id}\\s+\\S+Z\\s+resource-export\\s+drill\\s+\\d+ B$`));
    const show = await run('backups', 'show', id, '--store', store, '--key-file', keyFile);
    expect(show.stdout).toContain('rootMac:   verified');
    const manifest = JSON.parse(await readFile(join(store, id, 'manifest.json'), 'utf8'));
    expect(show.stdout).toContain(`data key:  local key ${manifest.dataKey.keyId} version 1`);
    expect(show.stdout).toMatch(/resources\/v1\/secrets.json\s+\d+ B\s+sealed\s+[0-9a-f]{16}/);
    expect(show.stdout).toContain('metadata:  {"objects":2}');
    expect(show.stdout).not.toContain(manifest.dataKey.ciphertext);
    expect(show.stdout).not.toContain(CANARY);
  });

  it('verify: exit 0 when intact, 1 with every problem listed, 2 for bad input', async () => {
    const ok = await run('backups', 'verify', id, '--store', store, '--key-file', keyFile);
    expect(ok).toMatchObject({ code: 0, stdout: `✓ backup ${id}: manifest MAC and 2 artifacts verified\n` });

    const path = join(store, id, 'resources/v1/configmaps.json');
    await writeFile(path, '{"items":[1]}');
    const bad = await run('backups', 'verify', id, '--store', store, '--key-file', keyFile);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`^✗ backup ${id}: 1 problem\\n  - resources/v1/configmaps.json: .*13 or more bytes, the manifest says 12`));

    await writeFile(join(store, id, 'manifest.json'), '{}');
    const manifest = await run('backups', 'verify', id, '--store', store, '--key-file', keyFile);
    expect(manifest.code).toBe(1);
    expect(manifest.stdout).toContain('manifest: manifest');

    expect((await run('backups', 'verify', '20990101T000000Z-000000', '--store', store, '--key-file', keyFile)).code).toBe(2);
    const fresh = await backupWith(keyFile, store);
    const noKey = await run('backups', 'verify', fresh, '--store', store, '--key-file', join(dir, 'missing.json'));
    expect(noKey).toMatchObject({ code: 2, stderr: expect.stringContaining('E_KEY: key file') });
    await run('keys', 'create', '--out', join(dir, 'other.json'));
    const other = await run('backups', 'verify', fresh, '--store', store, '--key-file', join(dir, 'other.json'));
    expect(other).toMatchObject({ code: 2, stderr: expect.stringMatching(/E_KEY_MISMATCH: the backup was sealed with key kdk-\w+, but key file .*other.json holds key kdk-/) });
    for (const text of [ok.stdout, bad.stdout, manifest.stdout]) expect(text).not.toContain(CANARY);
  });

  it('verify fails the review\'s downgraded backup (no dataKey, no rootMac, plaintext marked unsealed, hashes fixed)', async () => {
    const path = join(store, id, 'manifest.json');
    const forged = JSON.parse(await readFile(path, 'utf8'));
    delete forged.dataKey;
    delete forged.rootMac;
    const evil = Buffer.from('[{"kind":"Secret","metadata":{"name":"planted"}}]');
    await writeFile(join(store, id, 'resources/v1/secrets.json'), evil);
    Object.assign(forged.artifacts.find((a: { name: string }) => a.name === 'resources/v1/secrets.json'), { sealed: false, size: evil.length, sha256: createHash('sha256').update(evil).digest('hex') });
    forged.rootHash = computeRootHash(forged);
    await writeFile(path, JSON.stringify(forged));
    const verify = await run('backups', 'verify', id, '--store', store, '--key-file', keyFile);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain('no valid dataKey');
    expect((await run('backups', 'show', id, '--store', store, '--key-file', keyFile)).code).toBe(2);
  });

  it('refuses a key file readable by group or others (exit 2, chmod 600 hint)', async () => {
    await chmod(keyFile, 0o640);
    const result = await run('backups', 'verify', id, '--store', store, '--key-file', keyFile);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mode 0640');
    expect(result.stderr).toContain(`chmod 600 ${keyFile}`);
  });
});
