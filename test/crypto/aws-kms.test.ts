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

    it('wraps through an alias, stores the key ARN without a version, and unwraps', async () => {
      const keys = provider('alias/kdrill');
      const dataKey = generateDataKey();
      const a = await keys.wrap(dataKey);
      const b = await keys.wrap(dataKey);
      expect(a).toEqual({ provider: 'aws-kms', keyId: arn(KEY_A), ciphertext: expect.any(String) });
      expect(a).not.toHaveProperty('keyVersion');
      expect(a.ciphertext).not.toBe(b.ciphertext);
      expect((await keys.unwrap(a)).equals(dataKey)).toBe(true);
      expect((await provider(KEY_B).unwrap(b)).equals(dataKey)).toBe(true);
    });

    it('binds the data key to the kdrill encryption context', async () => {
      const wrapped = await provider(KEY_A).wrap(generateDataKey());
      const raw = new KMSClient({ region: 'us-east-1', endpoint: kms!.endpoint });
      await expect(raw.send(new DecryptCommand({ CiphertextBlob: Buffer.from(wrapped.ciphertext, 'base64') }))).rejects.toThrow();
      raw.destroy();
    });

    it('turns a damaged ciphertext, a wrong key id and an unknown key into E_KEY naming the key', async () => {
      const wrapped = await provider(KEY_A).wrap(generateDataKey());
      const bytes = Buffer.from(wrapped.ciphertext, 'base64');
      bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 1;
      await expect(provider(KEY_A).unwrap({ ...wrapped, ciphertext: bytes.toString('base64') })).rejects.toMatchObject({ code: 'E_KEY' });
      const wrongKey = await provider(KEY_A).unwrap({ ...wrapped, keyId: arn(KEY_B) }).catch((e) => e);
      expect(wrongKey).toMatchObject({ code: 'E_KEY', message: expect.stringContaining(arn(KEY_B)) });
      const unknown = await provider('11111111-2222-3333-4444-555555555555').wrap(generateDataKey()).catch((e) => e);
      expect(unknown).toMatchObject({ code: 'E_KEY', message: /NotFoundException/ });
    });

    it('seals and reopens a backup through the store', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'kdrill-awskms-store-'));
      try {
        const store = createLocalStore({ root: dir, keys: provider('alias/kdrill') });
        const writer = await store.create({ strategy: 's', cluster: { name: 'c', provider: 'local', kubernetesVersion: 'v1.34.1' } });
        await writer.put('secret.json', Buffer.from('{"token":"kms-sealed-value"}'), { sealed: true });
        const m = await writer.commit({});
        expect(m.dataKey).toMatchObject({ provider: 'aws-kms', keyId: arn(KEY_A) });
        const reader = await createLocalStore({ root: dir, keys: provider(KEY_B) }).open(m.id);
        expect((await reader.get('secret.json')).toString()).toBe('{"token":"kms-sealed-value"}');
        expect(await reader.verify()).toEqual({ ok: true, problems: [] });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('still unwraps after the KMS key was rotated (a second backing key)', async () => {
      const dataKey = generateDataKey();
      const old = await provider(KEY_A).wrap(dataKey);
      await kms!.stop();
      kms = await startLocalKms([{ keyId: KEY_A, backingKeys: [A1, backing()] }]);
      const fresh = await provider(KEY_A).wrap(dataKey);
      expect(fresh.ciphertext).not.toBe(old.ciphertext);
      expect((await provider(KEY_A).unwrap(old)).equals(dataKey)).toBe(true);
      expect((await provider(KEY_A).unwrap(fresh)).equals(dataKey)).toBe(true);
    });

    it('explains an unreachable endpoint', async () => {
      const endpoint = `http://127.0.0.1:${await freePort()}`;
      const error = await provider(KEY_A, endpoint).wrap(generateDataKey()).catch((e) => e);
      expect(error).toMatchObject({ code: 'E_KEY', hint: expect.stringContaining(`cannot reach KMS at ${endpoint}`) });
    });
  });
}
