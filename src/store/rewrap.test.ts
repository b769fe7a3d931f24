import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalKeyProvider, createKeyFile, rotateKeyFile } from '../crypto/local-kms.js';
import { createLocalStore } from './local-store.js';
import { rewrapBackup } from './rewrap.js';
import { storeFixture } from './fixtures/store-fixture.js';
import { computeRootHash } from './manifest.js';
import type { BackupManifest } from './types.js';

const cluster = { name: 'c', provider: 'local', kubernetesVersion: 'v1.34.1' };
let fx: Awaited<ReturnType<typeof storeFixture>>;
beforeEach(async () => {
  fx = await storeFixture();
});
afterEach(() => fx.cleanup());

describe('rewrapBackup', () => {
  it('moves a backup to the rotated key version, changing only the manifest', async () => {
    const store = createLocalStore({ root: fx.root, keys: fx.keys, audit: fx.audit });
    const writer = await store.create({ strategy: 's', cluster });
    await writer.put('secret.json', Buffer.from('{"token":"abcdef123456"}'), { sealed: true });
    const before = await writer.commit({});
    const artifactPath = join(fx.root, before.id, 'secret.json');
    const artifactBytes = await readFile(artifactPath);
    const artifactMtime = (await stat(artifactPath)).mtimeMs;

    await rotateKeyFile(fx.keyFile);
    const rotated = await LocalKeyProvider.fromFile(fx.keyFile);
    const result = await rewrapBackup(store, before.id, rotated, rotated);
    expect(result).toEqual({ id: before.id, status: 'rewrapped', from: `local:${fx.keys.keyId}@v1`, to: `local:${fx.keys.keyId}@v2` });

    const reader = await createLocalStore({ root: fx.root, keys: rotated }).open(before.id);
    expect(reader.manifest.dataKey?.keyVersion).toBe('2');
    expect(reader.manifest.rootHash).not.toBe(before.rootHash);
    expect(reader.manifest.artifacts).toEqual(before.artifacts);
    expect((await readFile(artifactPath)).equals(artifactBytes)).toBe(true);
    expect((await stat(artifactPath)).mtimeMs).toBe(artifactMtime);
    expect((await reader.get('secret.json')).toString()).toBe('{"token":"abcdef123456"}');
    expect(fx.audit.events.at(-1)).toMatchObject({ action: 'key.rotate', subject: before.id, details: { keyVersion: '2' } });
  });

  it('moves a backup to another key entirely, after which the old key no longer opens it', async () => {
    const store = createLocalStore({ root: fx.root, keys: fx.keys });
    const writer = await store.create({ strategy: 's', cluster });
    await writer.put('s.json', Buffer.from('{"k":"value-123456"}'), { sealed: true });
    const { id } = await writer.commit({});
    await createKeyFile(join(fx.dir, 'new.json'));
    const next = await LocalKeyProvider.fromFile(join(fx.dir, 'new.json'));
    await rewrapBackup(store, id, fx.keys, next);
    expect((await (await createLocalStore({ root: fx.root, keys: next }).open(id)).get('s.json')).toString()).toBe('{"k":"value-123456"}');
    await expect(store.open(id)).rejects.toMatchObject({ code: 'E_KEY_MISMATCH' });
    await expect(rewrapBackup(store, id, fx.keys, next)).rejects.toMatchObject({ code: 'E_KEY_MISMATCH' });
  });

  it('covers the wrapped key and its key id by the MAC: putting the old wrapping back is refused', async () => {
    const store = createLocalStore({ root: fx.root, keys: fx.keys });
    const writer = await store.create({ strategy: 's', cluster });
    await writer.put('s.json', Buffer.from('{"k":"value-654321"}'), { sealed: true });
    const before = await writer.commit({});
    await rotateKeyFile(fx.keyFile);
    const rotated = await LocalKeyProvider.fromFile(fx.keyFile);
    await rewrapBackup(store, before.id, rotated, rotated);
    const path = join(fx.root, before.id, 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8')) as BackupManifest;
    // Someone who may write the store swaps in the earlier (genuine, v1) wrapping of the same data key.
    const swapped = { ...manifest, dataKey: before.dataKey };
    await writeFile(path, JSON.stringify({ ...swapped, rootHash: computeRootHash(swapped) }));
    await expect(createLocalStore({ root: fx.root, keys: rotated }).open(before.id)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /MAC does not match/ });
    // And a rewrap only re-signs a manifest whose MAC holds.
    await expect(rewrapBackup(store, before.id, rotated, rotated)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT' });
  });

});
