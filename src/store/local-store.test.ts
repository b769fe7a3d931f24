import { readFile, readdir, stat, writeFile, truncate, rm, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalKeyProvider, createKeyFile } from '../crypto/local-kms.js';
import { createLocalStore } from './local-store.js';
import { computeRootHash } from './manifest.js';
import { storeFixture } from './fixtures/store-fixture.js';
import type { BackupManifest, BackupStore } from './types.js';

const CANARY = 'kdrill-canary-Zq8vT3pW9xYk2mNb';
const cluster = { name: 'drill-1', provider: 'local', kubernetesVersion: 'v1.34.1' };
const big = Buffer.alloc(3 * 1024 * 1024 + 17, 0x5a);

let fx: Awaited<ReturnType<typeof storeFixture>>;
let store: BackupStore;
beforeEach(async () => {
  fx = await storeFixture();
  store = createLocalStore({ root: fx.root, keys: fx.keys, audit: fx.audit, now: () => new Date('2026-11-25T12:00:00.123Z') });
});
afterEach(() => fx.cleanup());

async function writeSample(): Promise<BackupManifest> {
  const writer = await store.create({ strategy: 'resource-export', cluster });
  await writer.put('resources/v1/configmaps.json', Buffer.from('{"items":[]}'), { mediaType: 'application/json' });
  await writer.put('resources/v1/secrets.json', Buffer.from(`{"password":"${CANARY}"}`), { sealed: true });
  await writeFile(join(fx.dir, 'snap.db'), big);
  await writer.putFile('etcd/snapshot.db', join(fx.dir, 'snap.db'));
  await writeFile(join(fx.dir, 'secret.db'), Buffer.concat([big.subarray(0, 1000), Buffer.from(CANARY)]));
  await writer.putFile('etcd/sealed.db', join(fx.dir, 'secret.db'), { sealed: true });
  return writer.commit({ objects: 2 });
}

/** Reads every file under `root` right now (a watcher for plaintext at rest while a stream is written). */
async function collectFiles(root: string, into: string[]): Promise<void> {
  const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  for (const name of names) {
    const text = await readFile(join(root, name), 'latin1').catch(() => '');
    if (text) into.push(text);
  }
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e) => e.code as string);

describe('local store', () => {
  it('round-trips plain, sealed, streamed and sealed-streamed artifacts with owner-only files', async () => {
    const m = await writeSample();
    expect(m.id).toMatch(/^20261125T120000Z-[0-9a-f]{6}$/);
    expect(m).toMatchObject({ formatVersion: 1, strategy: 'resource-export', createdAt: '2026-11-25T12:00:00.123Z', metadata: { objects: 2 } });
    expect(m.dataKey).toMatchObject({ provider: 'local', keyId: fx.keys.keyId, keyVersion: '1' });
    expect(m.artifacts.map((a) => [a.name, a.size, a.sealed])).toEqual([
      ['resources/v1/configmaps.json', 12, false],
      ['resources/v1/secrets.json', '{"password":""}'.length + CANARY.length + 29, true],
      ['etcd/snapshot.db', big.length, false],
      ['etcd/sealed.db', 1000 + CANARY.length + 29, true],
    ]);
    expect(await readdir(fx.root)).toEqual([m.id]);
    expect((await stat(join(fx.root, m.id))).mode & 0o777).toBe(0o700);
    expect((await stat(join(fx.root, m.id, 'resources/v1'))).mode & 0o777).toBe(0o700);
    for (const name of ['manifest.json', ...m.artifacts.map((a) => a.name)]) {
      expect((await stat(join(fx.root, m.id, name))).mode & 0o777, name).toBe(0o600);
    }
    const reader = await store.open(m.id);
    expect((await reader.get('resources/v1/secrets.json')).toString()).toBe(`{"password":"${CANARY}"}`);
    expect((await reader.get('etcd/snapshot.db')).equals(big)).toBe(true);
    await reader.getToFile('etcd/sealed.db', join(fx.dir, 'out', 'sealed.db'));
    expect((await readFile(join(fx.dir, 'out', 'sealed.db'))).toString().endsWith(CANARY)).toBe(true);
    expect(await reader.verify()).toEqual({ ok: true, problems: [] });
    expect(await store.list()).toEqual([{ id: m.id, strategy: 'resource-export', createdAt: m.createdAt, cluster: 'drill-1', sizeBytes: m.artifacts.reduce((s, a) => s + a.size, 0) }]);
    expect(fx.audit.events.map((e) => e.action)).toEqual(['backup.create', 'backup.write', 'key.unwrap', 'backup.read', 'backup.read', 'backup.read', 'backup.verify']);
    expect(reader.manifestVersionId).toBeUndefined();
  });

  it('stores a stream of unknown length sealed, never writing plaintext, and frees the name when the stream fails', async () => {
    const writer = await store.create({ strategy: 'resource-export', cluster });
    const seen: string[] = [];
    const watch = setInterval(() => void collectFiles(fx.root, seen), 1);
    async function* pages(fail: boolean) {
      yield Buffer.from(`[{"password":"${CANARY}"}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (fail) throw new Error('LIST failed');
      yield Buffer.from(`,{"n":2}]`);
    }
    await expect(writer.putStream('resources/v1/secrets.json', Readable.from(pages(true)), { sealed: true })).rejects.toThrow('LIST failed');
    const entry = await writer.putStream('resources/v1/secrets.json', Readable.from(pages(false)), { sealed: true });
    clearInterval(watch);
    const m = await writer.commit({});
    expect(entry).toMatchObject({ sealed: true, size: `[{"password":"${CANARY}"},{"n":2}]`.length + 29 });
    expect((await (await store.open(m.id)).get('resources/v1/secrets.json')).toString()).toBe(`[{"password":"${CANARY}"},{"n":2}]`);
    expect((await readFile(join(fx.root, m.id, 'resources/v1/secrets.json'))).includes(CANARY)).toBe(false);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((text) => text.includes(CANARY))).toBe(false);
  });

  it('always stores the wrapped data key and a manifest MAC, even when nothing is sealed', async () => {
    const writer = await store.create({ strategy: 'x', cluster });
    await writer.put('a.json', Buffer.from('{}'));
    const m = await writer.commit({});
    expect(m.dataKey?.keyId).toBe(fx.keys.keyId);
    expect(m.rootMac).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(await readFile(join(fx.root, m.id, 'manifest.json'), 'utf8'))).toHaveProperty('rootMac', m.rootMac);
  });

  it('rejects a manifest edited by someone without the key, even with a recomputed rootHash, when it is opened', async () => {
    const m = await writeSample();
    const path = join(fx.root, m.id, 'manifest.json');
    const forged = JSON.parse(await readFile(path, 'utf8')) as BackupManifest;
    forged.metadata = { objects: 3 };
    forged.rootHash = computeRootHash(forged);
    await writeFile(path, JSON.stringify(forged));
    await expect(store.open(m.id)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /MAC does not match/ });
  });

  it('refuses the review\'s downgrade: dataKey and rootMac removed, a sealed artifact swapped for plaintext, hashes recomputed', async () => {
    const m = await writeSample();
    const path = join(fx.root, m.id, 'manifest.json');
    const forged = JSON.parse(await readFile(path, 'utf8')) as Partial<BackupManifest>;
    delete forged.dataKey;
    delete forged.rootMac;
    const evil = Buffer.from('[{"kind":"Secret","metadata":{"name":"attacker"}}]');
    await writeFile(join(fx.root, m.id, 'resources/v1/secrets.json'), evil);
    const entry = forged.artifacts!.find((a) => a.name === 'resources/v1/secrets.json')!;
    Object.assign(entry, { sealed: false, size: evil.length, sha256: createHash('sha256').update(evil).digest('hex') });
    forged.rootHash = computeRootHash(forged as BackupManifest);
    await writeFile(path, JSON.stringify(forged));
    await expect(store.open(m.id)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /no valid dataKey/ });
    // Stripping only the MAC, or keeping a key from another backup, is no better.
    const withKey = { ...forged, dataKey: m.dataKey } as BackupManifest;
    withKey.rootHash = computeRootHash(withKey);
    await writeFile(path, JSON.stringify(withKey));
    await expect(store.open(m.id)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /no valid rootMac/ });
    expect(fx.audit.events.filter((e) => e.action === 'backup.read')).toEqual([]);
  });

  it('turns a flipped byte read through getToFile into E_BACKUP_CORRUPT, never an unhandled stream error', async () => {
    const writer = await store.create({ strategy: 'etcd-snapshot', cluster });
    await writeFile(join(fx.dir, 'sa.key'), `-----BEGIN PRIVATE KEY-----${CANARY}`);
    await writer.putFile('material/service-account.key', join(fx.dir, 'sa.key'), { sealed: true });
    await writer.put('etcd/small.db', Buffer.from('tiny snapshot'));
    const m = await writer.commit({});
    for (const name of ['material/service-account.key', 'etcd/small.db']) {
      const path = join(fx.root, m.id, name);
      const bytes = await readFile(path);
      bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x10;
      await writeFile(path, bytes);
    }
    const reader = await store.open(m.id);
    // Each target is a new nested folder, so the damaged bytes are read while the folder is still being made.
    for (let i = 0; i < 20; i++) {
      for (const name of ['material/service-account.key', 'etcd/small.db']) {
        const target = join(fx.dir, `out-${i}`, 'a', 'b', 'c', name);
        await expect(reader.getToFile(name, target), name).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });
        await expect(stat(target)).rejects.toThrow();
      }
    }
  });

  it('zeroes the data key on close: later reads fail', async () => {
    const m = await writeSample();
    const reader = await store.open(m.id);
    reader.close();
    await expect(reader.get('resources/v1/secrets.json')).rejects.toMatchObject({ code: 'E_STORE', message: /closed/ });
  });

  it('hides a backup until commit and removes it on abort', async () => {
    const writer = await store.create({ strategy: 'x', cluster });
    await writer.put('a.json', Buffer.from('{}'));
    expect(await store.list()).toEqual([]);
    const error = await store.open(writer.id).catch((e) => e);
    expect(error).toMatchObject({ code: 'E_BACKUP_NOT_FOUND', message: /never committed/ });
    await writer.abort();
    expect(await readdir(fx.root)).toEqual([]);
    await expect(writer.put('b.json', Buffer.from('{}'))).rejects.toMatchObject({ code: 'E_STORE' });
  });

  it('rejects unsafe or duplicate artifact names', async () => {
    const writer = await store.create({ strategy: 'x', cluster });
    for (const name of ['../escape', '/abs', 'manifest.json', 'a//b', 'a/./b', 'a\\b', '']) {
      await expect(writer.put(name, Buffer.from('x')), name).rejects.toMatchObject({ code: 'E_STORE' });
    }
    await writer.put('ok.json', Buffer.from('x'));
    await expect(writer.put('ok.json', Buffer.from('y'))).rejects.toMatchObject({ code: 'E_STORE', message: /already has/ });
  });

  it('catches a flipped byte in every artifact, naming the file', async () => {
    const m = await writeSample();
    for (const entry of m.artifacts) {
      const path = join(fx.root, m.id, entry.name);
      const original = await readFile(path);
      const flipped = Buffer.from(original);
      const mid = Math.floor(flipped.length / 2);
      flipped[mid] = flipped[mid]! ^ 0x04;
      await writeFile(path, flipped);
      const reader = await store.open(m.id);
      const result = await reader.verify();
      expect(result.ok, entry.name).toBe(false);
      expect(result.problems, entry.name).toEqual([expect.stringMatching(new RegExp(`^${entry.name}: .*sha256`))]);
      expect(await codeOf(reader.get(entry.name)), entry.name).toBe('E_BACKUP_CORRUPT');
      expect(await codeOf(reader.getToFile(entry.name, join(fx.dir, 'x.out'))), entry.name).toBe('E_BACKUP_CORRUPT');
      await expect(stat(join(fx.dir, 'x.out'))).rejects.toThrow();
      await writeFile(path, original);
    }
    expect((await (await store.open(m.id)).verify()).ok).toBe(true);
  });

  it('reports truncated, missing and unlisted files together', async () => {
    const m = await writeSample();
    const dir = join(fx.root, m.id);
    await truncate(join(dir, 'etcd/snapshot.db'), 100);
    await rm(join(dir, 'resources/v1/configmaps.json'));
    await writeFile(join(dir, 'resources/extra.json'), '{}');
    const { ok, problems } = await (await store.open(m.id)).verify();
    expect(ok).toBe(false);
    expect(problems).toEqual([
      expect.stringMatching(/^resources\/v1\/configmaps.json: .*missing/),
      expect.stringMatching(/^etcd\/snapshot.db: .*100 bytes, the manifest says 3145745/),
      'resources/extra.json: file is not listed in the manifest',
    ]);
    await appendFile(join(dir, 'etcd/sealed.db'), 'x');
    await expect((await store.open(m.id)).get('etcd/sealed.db')).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /or more bytes/ });
  });

  it('tells a missing backup from a missing manifest, and refuses an edited manifest by name', async () => {
    const m = await writeSample();
    const manifestPath = join(fx.root, m.id, 'manifest.json');
    await expect(store.open('20990101T000000Z-000000')).rejects.toMatchObject({ code: 'E_BACKUP_NOT_FOUND' });
    await expect(store.open('../etc')).rejects.toMatchObject({ code: 'E_BACKUP_NOT_FOUND', message: /not a backup id/ });
    const text = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, text.replace('"objects": 2', '"objects": 3'));
    const edited = await store.open(m.id).catch((e) => e);
    expect(edited).toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /rootHash does not match/ });
    expect(edited.message).toContain(manifestPath);
    await writeFile(manifestPath, '{ not json');
    await expect(store.open(m.id)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /not valid JSON/ });
    expect((await store.list()).map((s) => s.strategy)).toEqual(['unreadable']);
    await rm(manifestPath);
    await expect(store.open(m.id)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /has no manifest.json/ });
  });

  it('refuses to open with another key, naming both key ids, before any read', async () => {
    const m = await writeSample();
    await createKeyFile(join(fx.dir, 'other.json'));
    const other = await LocalKeyProvider.fromFile(join(fx.dir, 'other.json'));
    const error = await createLocalStore({ root: fx.root, keys: other }).open(m.id).catch((e) => e);
    expect(error.code).toBe('E_KEY_MISMATCH');
    expect(error.message).toContain(fx.keys.keyId);
    expect(error.message).toContain(other.keyId);
  });

  it('leaves no canary plaintext, base64 or hex anywhere in the store', async () => {
    await writeSample();
    const forms = [CANARY, Buffer.from(CANARY).toString('base64'), Buffer.from(CANARY).toString('base64url'), Buffer.from(CANARY).toString('hex')];
    const files = (await readdir(fx.root, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    expect(files).toHaveLength(5);
    for (const f of files) {
      const content = (await readFile(join(f.parentPath, f.name))).toString('latin1');
      for (const form of forms) expect(content.includes(form), `${f.name} holds ${form}`).toBe(false);
    }
  });

  it('refuses a key file inside the store root', async () => {
    await createKeyFile(join(fx.root, 'key.json'));
    const inside = await LocalKeyProvider.fromFile(join(fx.root, 'key.json'));
    expect(() => createLocalStore({ root: fx.root, keys: inside })).toThrow(/inside the backup store/);
  });
});
