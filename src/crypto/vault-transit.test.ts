import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redact } from '../core/redact.js';
import { VaultTransitKeyProvider } from './vault-transit.js';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Record<string, string>;
}

/** A fake Transit endpoint: records requests and answers with canned replies. */
function fakeVault(replies: Array<{ status: number; body: unknown }>) {
  const calls: Call[] = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    calls.push({ url, method: init.method!, headers: init.headers as Record<string, string>, body: JSON.parse(init.body as string) });
    const reply = replies.shift()!;
    return new Response(JSON.stringify(reply.body), { status: reply.status });
  }) as unknown as typeof fetch;
  return { calls, fetchFn };
}

const TOKEN = 'hvs.kdrill-test-token-123';
const ctx = { backupId: '20261125T120000Z-ab12cd' };
beforeEach(() => {
  process.env.KDRILL_TEST_VAULT_TOKEN = TOKEN;
});
afterEach(() => {
  delete process.env.KDRILL_TEST_VAULT_TOKEN;
});

describe('vault-transit provider (request/response mapping only)', () => {
  const make = (fetchFn: typeof fetch, mount?: string) =>
    new VaultTransitKeyProvider({ address: 'http://vault.test:8200/', key: 'kdrill', mount, tokenEnv: 'KDRILL_TEST_VAULT_TOKEN', fetch: fetchFn });

  it('wraps with POST /v1/<mount>/encrypt/<key>, the token header, base64 plaintext, and reads the version prefix', async () => {
    const { calls, fetchFn } = fakeVault([{ status: 200, body: { data: { ciphertext: 'vault:v3:QUJDREVG', key_version: 3 } } }]);
    const dataKey = Buffer.alloc(32, 9);
    const wrapped = await make(fetchFn, '/secret-transit/').wrap(dataKey, ctx);
    expect(wrapped).toEqual({ provider: 'vault-transit', keyId: 'kdrill', keyVersion: '3', ciphertext: 'QUJDREVG' });
    expect(calls).toEqual([
      {
        url: 'http://vault.test:8200/v1/secret-transit/encrypt/kdrill',
        method: 'POST',
        headers: { 'X-Vault-Token': TOKEN, 'Content-Type': 'application/json' },
        body: { plaintext: dataKey.toString('base64') },
      },
    ]);
    expect(redact(`token ${TOKEN}`)).toBe('token «redacted»');
  });

  it('unwraps by rebuilding the vault:vN: ciphertext and decoding the base64 plaintext', async () => {
    const dataKey = Buffer.alloc(32, 4);
    const { calls, fetchFn } = fakeVault([{ status: 200, body: { data: { plaintext: dataKey.toString('base64') } } }]);
    const plain = await make(fetchFn).unwrap({ provider: 'vault-transit', keyId: 'kdrill', keyVersion: '2', ciphertext: 'WFla' }, ctx);
    expect(plain.equals(dataKey)).toBe(true);
    expect(calls[0]).toMatchObject({ url: 'http://vault.test:8200/v1/transit/decrypt/kdrill', body: { ciphertext: 'vault:v2:WFla' } });
  });

  it('refuses a wrapped key that names another Transit key, without asking Vault', async () => {
    const { calls, fetchFn } = fakeVault([{ status: 200, body: { data: { plaintext: Buffer.alloc(32).toString('base64') } } }]);
    const error = await make(fetchFn).unwrap({ provider: 'vault-transit', keyId: 'attacker-key', keyVersion: '1', ciphertext: 'WFla' }, ctx).catch((e) => e);
    expect(error).toMatchObject({ code: 'E_KEY_MISMATCH', message: /attacker-key.*configured key kdrill/, hint: /configured key/ });
    expect(calls).toEqual([]);
  });

  it('maps Vault errors, a missing token and another provider to E_KEY with hints', async () => {
    const { fetchFn } = fakeVault([
      { status: 403, body: { errors: ['permission denied'] } },
      { status: 400, body: { errors: ['cipher: message authentication failed'] } },
    ]);
    const keys = make(fetchFn);
    await expect(keys.wrap(Buffer.alloc(32), ctx)).rejects.toMatchObject({ code: 'E_KEY', message: /HTTP 403: permission denied/, hint: /KDRILL_TEST_VAULT_TOKEN/ });
    await expect(keys.unwrap({ provider: 'vault-transit', keyId: 'kdrill', keyVersion: '1', ciphertext: 'eA==' }, ctx)).rejects.toMatchObject({ code: 'E_KEY', message: /HTTP 400: cipher/ });
    await expect(keys.unwrap({ provider: 'local', keyId: 'kdk-1', keyVersion: '1', ciphertext: 'eA==' }, ctx)).rejects.toMatchObject({ code: 'E_KEY_MISMATCH', message: /"local"/ });
    delete process.env.KDRILL_TEST_VAULT_TOKEN;
    await expect(keys.wrap(Buffer.alloc(32), ctx)).rejects.toMatchObject({ code: 'E_KEY', message: /KDRILL_TEST_VAULT_TOKEN is not set/ });
  });

  it('rejects a reply without a vault:vN: ciphertext and explains an unreachable server', async () => {
    const { fetchFn } = fakeVault([{ status: 200, body: { data: { ciphertext: 'garbage' } } }]);
    await expect(make(fetchFn).wrap(Buffer.alloc(32), ctx)).rejects.toMatchObject({ code: 'E_KEY', message: /no vault:vN: ciphertext/ });
    const down = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await expect(make(down).wrap(Buffer.alloc(32), ctx)).rejects.toMatchObject({ code: 'E_KEY', message: /cannot reach Vault at http:\/\/vault.test:8200/ });
  });
});
