import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStore } from './local-store.js';
import { sealManifest } from './manifest.js';
import { assertSealedAsDeclared, mustBeSealed } from './seal-policy.js';
import { storeFixture } from './fixtures/store-fixture.js';
import type { BackupManifest } from './types.js';

const cluster = { name: 'c', provider: 'local', kubernetesVersion: 'v1.37.2' };
let fx: Awaited<ReturnType<typeof storeFixture>>;
beforeEach(async () => {
  fx = await storeFixture();
});
afterEach(() => fx.cleanup());

describe('seal policy', () => {
  it('names the artifacts that carry secrets: etcd-snapshot material and resource-export core Secrets', () => {
    const must = ['material/encryption-config.yaml', 'material/service-account.key', 'material/ca.key', 'material/server-token', 'resources/core/v1/secrets.json'];
    const may = ['etcd/snapshot.db', 'index.json', 'resources/core/v1/configmaps.json', 'resources/apps/v1/secrets.json', 'files/velero.tar', 'resources/core/v1/secrets.json.bak'];
    expect(must.filter(mustBeSealed)).toEqual(must);
    expect(may.filter(mustBeSealed)).toEqual([]);
  });

  it('refuses to write them unsealed', async () => {
    const writer = await createLocalStore({ root: fx.root, keys: fx.keys }).create({ strategy: 'etcd-snapshot', cluster });
    await expect(writer.put('material/ca.key', Buffer.from('key'))).rejects.toMatchObject({ code: 'E_STORE', message: /must be stored sealed/ });
    await writeFile(join(fx.dir, 'secrets.json'), '[]');
    await expect(writer.putFile('resources/core/v1/secrets.json', join(fx.dir, 'secrets.json'))).rejects.toMatchObject({ code: 'E_STORE' });
    await expect(writer.put('material/ca.key', Buffer.from('key'), { sealed: true })).resolves.toMatchObject({ sealed: true });
  });

  it('refuses to open a backup listing them unsealed, even under a valid MAC (a writer holding the key)', async () => {
    const store = createLocalStore({ root: fx.root, keys: fx.keys });
    const writer = await store.create({ strategy: 'etcd-snapshot', cluster });
    await writer.put('material/service-account.key', Buffer.from('real key'), { sealed: true });
    const m = await writer.commit({});
    const plain = Buffer.from('attacker signing key');
    await writeFile(join(fx.root, m.id, 'material/service-account.key'), plain);
    const dataKey = await fx.keys.unwrap(m.dataKey, { backupId: m.id });
    const { rootHash: _h, rootMac: _m, ...body } = JSON.parse(await readFile(join(fx.root, m.id, 'manifest.json'), 'utf8')) as BackupManifest;
    body.artifacts = [{ name: 'material/service-account.key', size: plain.length, sha256: createHash('sha256').update(plain).digest('hex'), sealed: false }];
    await writeFile(join(fx.root, m.id, 'manifest.json'), JSON.stringify(sealManifest(body, dataKey)));
    await expect(store.open(m.id)).rejects.toMatchObject({ code: 'E_BACKUP_CORRUPT', message: /unsealed: material\/service-account.key/ });
  });

  it('checks the names a strategy declares sealed (resource-export sealKinds)', () => {
    const manifest = { id: 'b1', artifacts: [{ name: 'resources/example.com/v1/vaults.json', sealed: false }, { name: 'resources/core/v1/configmaps.json', sealed: true }] } as BackupManifest;
    expect(() => assertSealedAsDeclared(manifest, ['resources/core/v1/configmaps.json', 'not/listed.json'])).not.toThrow();
    expect(() => assertSealedAsDeclared(manifest, ['resources/example.com/v1/vaults.json'])).toThrow(/unsealed: resources\/example.com\/v1\/vaults.json/);
  });
});
