import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateDataKey } from './envelope.js';
import { LocalKeyProvider, assertKeyOutsideStore, createKeyFile, rotateKeyFile } from './local-kms.js';

let dir: string;
const ctx = { backupId: '20261125T120000Z-ab12cd' };
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-lkms-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('key file', () => {
  it('is created 0600 with one version and a fingerprint id, and never overwritten', async () => {
    const path = join(dir, 'keys', 'key.json');
    const info = await createKeyFile(path, new Date('2026-01-02T03:04:05Z'));
    expect(info).toMatchObject({ primaryVersion: 1, versions: [1] });
    expect(info.keyId).toMatch(/^kdk-[0-9a-f]{16}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(file).toMatchObject({ kind: 'KdrillKeyFile', version: 1, keyId: info.keyId, primaryVersion: 1 });
    expect(file.keys[0].createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect(Buffer.from(file.keys[0].material, 'base64')).toHaveLength(32);
    const before = await readFile(path, 'utf8');
    await expect(createKeyFile(path)).rejects.toMatchObject({ code: 'E_KEY', message: /already exists/ });
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('rotation adds a primary version, keeps the key id, and old wrapped keys still unwrap', async () => {
    const path = join(dir, 'key.json');
    const created = await createKeyFile(path);
    const v1 = await LocalKeyProvider.fromFile(path);
    const dataKey = generateDataKey();
    const wrappedV1 = await v1.wrap(dataKey, ctx);
    expect(wrappedV1).toMatchObject({ provider: 'local', keyId: created.keyId, keyVersion: '1' });
    const rotated = await rotateKeyFile(path);
    expect(rotated).toMatchObject({ keyId: created.keyId, primaryVersion: 2, versions: [1, 2] });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const v2 = await LocalKeyProvider.fromFile(path);
    const wrappedV2 = await v2.wrap(dataKey, ctx);
    expect(wrappedV2.keyVersion).toBe('2');
    expect(wrappedV2.ciphertext).not.toBe(wrappedV1.ciphertext);
    expect((await v2.unwrap(wrappedV1, ctx)).equals(dataKey)).toBe(true);
    expect((await v2.unwrap(wrappedV2, ctx)).equals(dataKey)).toBe(true);
    await expect(v1.unwrap(wrappedV2, ctx)).rejects.toMatchObject({ code: 'E_KEY', message: /no version 2/ });
  });

  it('names both key ids when the backup was sealed by another key', async () => {
    await createKeyFile(join(dir, 'a.json'));
    await createKeyFile(join(dir, 'b.json'));
    const a = await LocalKeyProvider.fromFile(join(dir, 'a.json'));
    const b = await LocalKeyProvider.fromFile(join(dir, 'b.json'));
    const wrapped = await a.wrap(generateDataKey(), ctx);
    const error = await b.unwrap(wrapped, ctx).catch((e) => e);
    expect(error).toMatchObject({ code: 'E_KEY_MISMATCH', hint: expect.stringContaining(a.keyId) });
    expect(error.message).toContain(a.keyId);
    expect(error.message).toContain(b.keyId);
    await expect(b.unwrap({ ...wrapped, provider: 'aws-kms' }, ctx)).rejects.toMatchObject({ code: 'E_KEY_MISMATCH', message: /aws-kms/ });
  });

  it('rejects a tampered wrapped key or a forged version with E_KEY', async () => {
    await createKeyFile(join(dir, 'k.json'));
    await rotateKeyFile(join(dir, 'k.json'));
    const keys = await LocalKeyProvider.fromFile(join(dir, 'k.json'));
    const wrapped = await keys.wrap(generateDataKey(), ctx);
    const bytes = Buffer.from(wrapped.ciphertext, 'base64');
    bytes[20] = bytes[20]! ^ 1;
    await expect(keys.unwrap({ ...wrapped, ciphertext: bytes.toString('base64') }, ctx)).rejects.toMatchObject({ code: 'E_KEY' });
    // The version is bound as AAD: relabelling a v2-wrapped key as v1 must fail.
    await expect(keys.unwrap({ ...wrapped, keyVersion: '1' }, ctx)).rejects.toMatchObject({ code: 'E_KEY', message: /damaged/ });
    // So is the backup id: a wrapped key copied into another backup's manifest does not open there.
    await expect(keys.unwrap(wrapped, { backupId: '20261126T000000Z-000000' })).rejects.toMatchObject({ code: 'E_KEY', message: /another backup/ });
  });

  it('explains a missing, corrupt or edited key file with E_KEY and never echoes its content', async () => {
    const missing = join(dir, 'nope.json');
    await expect(LocalKeyProvider.fromFile(missing)).rejects.toMatchObject({ code: 'E_KEY', hint: expect.stringContaining(`kdrill keys create --out ${missing}`) });
    await writeFile(join(dir, 'bad.json'), '{"kind":"KdrillKeyFile", "material":"c2VjcmV0LW1hdGVyaWFs" oops');
    const bad = await LocalKeyProvider.fromFile(join(dir, 'bad.json')).catch((e) => e);
    expect(bad).toMatchObject({ code: 'E_KEY', message: /not valid JSON/ });
    expect(`${bad.message} ${bad.hint} ${bad.cause ?? ''}`).not.toContain('c2VjcmV0');
    await createKeyFile(join(dir, 'edit.json'));
    const file = JSON.parse(await readFile(join(dir, 'edit.json'), 'utf8'));
    file.keyId = 'kdk-0000000000000000';
    await writeFile(join(dir, 'edit.json'), JSON.stringify(file));
    await expect(LocalKeyProvider.fromFile(join(dir, 'edit.json'))).rejects.toMatchObject({ code: 'E_KEY', message: /does not match/ });
    file.keys[0].material = Buffer.alloc(16).toString('base64');
    await writeFile(join(dir, 'edit.json'), JSON.stringify(file));
    await expect(LocalKeyProvider.fromFile(join(dir, 'edit.json'))).rejects.toMatchObject({ code: 'E_KEY', message: /not 32 bytes/ });
  });

  it('refuses a key file readable by group or others, with a chmod 600 hint', async () => {
    const path = join(dir, 'open.json');
    await createKeyFile(path);
    for (const mode of [0o640, 0o604]) {
      await chmod(path, mode);
      const error = await LocalKeyProvider.fromFile(path).catch((e) => e);
      expect(error).toMatchObject({ code: 'E_KEY', message: expect.stringContaining(`mode 0${mode.toString(8)}`), hint: expect.stringContaining(`chmod 600 ${path}`) });
      await expect(rotateKeyFile(path)).rejects.toMatchObject({ code: 'E_KEY' });
    }
    await chmod(path, 0o600);
    await expect(LocalKeyProvider.fromFile(path)).resolves.toBeInstanceOf(LocalKeyProvider);
  });
});

describe('assertKeyOutsideStore', () => {
  it('refuses a key inside the store, also through a symlink, and accepts a sibling', async () => {
    const store = join(dir, 'store');
    await mkdir(store);
    expect(() => assertKeyOutsideStore(join(store, 'key.json'), store)).toThrow(/inside the backup store/);
    expect(() => assertKeyOutsideStore(join(store, 'sub', 'key.json'), store + '/')).toThrow(/inside/);
    expect(() => assertKeyOutsideStore(join(dir, 'store-keys', 'key.json'), store)).not.toThrow();
    await symlink(store, join(dir, 'alias'));
    expect(() => assertKeyOutsideStore(join(dir, 'alias', 'key.json'), store)).toThrow(/inside/);
  });
});
