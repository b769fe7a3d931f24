import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsKmsKeyProvider } from '../../src/crypto/aws-kms.js';
import { generateDataKey } from '../../src/crypto/envelope.js';
import { createLocalStore } from '../../src/store/local-store.js';
import { type LocalKms, localKmsBinary, startLocalKms } from '../support/local-kms.js';
import { freePort } from '../support/test-bin.js';

const KEY_A = 'bc436485-5092-42b8-92a3-0aa8b93536dc';
const KEY_B = '49c5492b-b1bc-42a8-9a5c-b2015e810c1c';
const backing = () => randomBytes(32).toString('hex');
const A1 = backing();
const arn = (id: string) => `arn:aws:kms:us-east-1:111122223333:key/${id}`;
const ctx = { backupId: '20261125T120000Z-ab12cd' };

const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
function restoreEnv(name: string, value: string | undefined) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

if (!localKmsBinary.path) {
  describe('aws-kms provider against local-kms', () => {
    it.skip(`SKIPPED: ${localKmsBinary.skipReason}`, () => {});
  });
} else {
  describe('aws-kms provider against local-kms', () => {
    let kms: LocalKms | undefined;
    const provider = (keyId: string, endpoint = kms!.endpoint) => new AwsKmsKeyProvider({ keyId, region: 'us-east-1', endpoint });

    beforeAll(async () => {
      // local-kms accepts any credentials; the SDK's env chain still needs some.
      process.env.AWS_ACCESS_KEY_ID = 'AKIDKDRILLTEST';
      process.env.AWS_SECRET_ACCESS_KEY = 'kdrill-test-secret';
      kms = await startLocalKms([
        { keyId: KEY_A, backingKeys: [A1], alias: 'alias/kdrill' },
        { keyId: KEY_B, backingKeys: [backing()] },
      ]);
    });
    afterAll(async () => {
      await kms?.stop();
      restoreEnv('AWS_ACCESS_KEY_ID', savedEnv.id);
      restoreEnv('AWS_SECRET_ACCESS_KEY', savedEnv.secret);
    });

    it('wraps through an alias, stores the key ARN without a version, and unwraps with the key by alias, ARN or id', async () => {
      const keys = provider('alias/kdrill');
      const dataKey = generateDataKey();
      const a = await keys.wrap(dataKey, ctx);
      const b = await keys.wrap(dataKey, ctx);
      expect(a).toEqual({ provider: 'aws-kms', keyId: arn(KEY_A), ciphertext: expect.any(String) });
      expect(a).not.toHaveProperty('keyVersion');
      expect(a.ciphertext).not.toBe(b.ciphertext);
      expect((await keys.unwrap(a, ctx)).equals(dataKey)).toBe(true);
      expect((await provider(arn(KEY_A)).unwrap(b, ctx)).equals(dataKey)).toBe(true);
      expect((await provider(KEY_A).unwrap(b, ctx)).equals(dataKey)).toBe(true);
    });

    it('binds the data key to the kdrill encryption context and to its backup id', async () => {
      const wrapped = await provider(KEY_A).wrap(generateDataKey(), ctx);
      const raw = new KMSClient({ region: 'us-east-1', endpoint: kms!.endpoint });
      await expect(raw.send(new DecryptCommand({ CiphertextBlob: Buffer.from(wrapped.ciphertext, 'base64') }))).rejects.toThrow();
      raw.destroy();
      // A wrapped key copied into another backup's manifest does not unwrap there.
      await expect(provider(KEY_A).unwrap(wrapped, { backupId: '20261126T000000Z-000000' })).rejects.toMatchObject({ code: 'E_KEY', message: /InvalidCiphertextException/ });
    });

    it('refuses a data key minted under another KMS key, naming both keys, whatever the manifest claims', async () => {
      // The attacker may encrypt with a key of their own that the restorer can also decrypt with.
      const minted = await provider(KEY_B).wrap(generateDataKey(), ctx);
      const honest = await provider(KEY_A).unwrap(minted, ctx).catch((e) => e);
      expect(honest).toMatchObject({ code: 'E_KEY_MISMATCH', message: expect.stringContaining(arn(KEY_B)), hint: expect.stringContaining('configured key') });
      expect(honest.message).toContain(arn(KEY_A));
      // Relabelled as the configured key, Decrypt is pinned to it: AWS answers IncorrectKeyException (E_KEY_MISMATCH),
      // local-kms InvalidCiphertextException (E_KEY); either way nothing is unwrapped.
      const relabelled = await provider('alias/kdrill').unwrap({ ...minted, keyId: arn(KEY_A) }, ctx).catch((e) => e);
      expect(relabelled).toMatchObject({ code: expect.stringMatching(/^E_KEY(_MISMATCH)?$/), message: expect.stringMatching(/IncorrectKeyException|InvalidCiphertextException/) });
      expect(relabelled.message).toContain(arn(KEY_A));
    });

    it('turns a damaged ciphertext and an unknown key into E_KEY naming the key', async () => {
      const wrapped = await provider(KEY_A).wrap(generateDataKey(), ctx);
      const bytes = Buffer.from(wrapped.ciphertext, 'base64');
      bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 1;
      await expect(provider(KEY_A).unwrap({ ...wrapped, ciphertext: bytes.toString('base64') }, ctx)).rejects.toMatchObject({ code: 'E_KEY' });
      const unknown = await provider('11111111-2222-3333-4444-555555555555').wrap(generateDataKey(), ctx).catch((e) => e);
      expect(unknown).toMatchObject({ code: 'E_KEY', message: /NotFoundException/ });
    });

    it('seals and reopens a backup through the store, and a store configured with another key refuses to open it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kdrill-awskms-store-'));
      try {
        const store = createLocalStore({ root: dir, keys: provider('alias/kdrill') });
        const writer = await store.create({ strategy: 's', cluster: { name: 'c', provider: 'local', kubernetesVersion: 'v1.34.1' } });
        await writer.put('secret.json', Buffer.from('{"token":"kms-sealed-value"}'), { sealed: true });
        const m = await writer.commit({});
        expect(m.dataKey).toMatchObject({ provider: 'aws-kms', keyId: arn(KEY_A) });
        const reader = await createLocalStore({ root: dir, keys: provider(KEY_A) }).open(m.id);
        expect((await reader.get('secret.json')).toString()).toBe('{"token":"kms-sealed-value"}');
        expect(await reader.verify()).toEqual({ ok: true, problems: [] });
        const refused = await createLocalStore({ root: dir, keys: provider(KEY_B) }).open(m.id).catch((e) => e);
        expect(refused).toMatchObject({ code: 'E_KEY_MISMATCH', message: expect.stringContaining(arn(KEY_B)) });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('still unwraps after the KMS key was rotated (a second backing key)', async () => {
      const dataKey = generateDataKey();
      const old = await provider(KEY_A).wrap(dataKey, ctx);
      await kms!.stop();
      kms = await startLocalKms([{ keyId: KEY_A, backingKeys: [A1, backing()] }]);
      const fresh = await provider(KEY_A).wrap(dataKey, ctx);
      expect(fresh.ciphertext).not.toBe(old.ciphertext);
      expect((await provider(KEY_A).unwrap(old, ctx)).equals(dataKey)).toBe(true);
      expect((await provider(KEY_A).unwrap(fresh, ctx)).equals(dataKey)).toBe(true);
    });

    it('explains an unreachable endpoint', async () => {
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      const error = await provider(KEY_A, endpoint).wrap(generateDataKey(), ctx).catch((e) => e);
      expect(error).toMatchObject({ code: 'E_KEY', hint: expect.stringContaining(`cannot reach KMS at ${endpoint}`) });
    });
  });
}
