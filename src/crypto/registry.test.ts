import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsKmsKeyProvider } from './aws-kms.js';
import { LocalKeyProvider, createKeyFile, defaultKeyFile } from './local-kms.js';
import { KMS_PROVIDERS, createKeyProvider } from './registry.js';
import { VaultTransitKeyProvider } from './vault-transit.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-kms-reg-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('KMS_PROVIDERS', () => {
  it('registers every provider file under its id', () => {
    const providerFiles = readdirSync(import.meta.dirname).filter((f) => /^(local-kms|aws-kms|vault-transit)\.ts$/.test(f));
    expect(providerFiles).toHaveLength(3);
    expect(Object.keys(KMS_PROVIDERS).sort()).toEqual(['aws-kms', 'local', 'vault-transit']);
    for (const [id, entry] of Object.entries(KMS_PROVIDERS)) expect(entry.id).toBe(id);
  });

  it('builds each provider from scenario options, resolving a relative key file against the scenario folder', async () => {
    await createKeyFile(join(dir, 'keys', 'k.json'));
    const local = await createKeyProvider('local', { keyFile: 'keys/k.json' }, { baseDir: dir });
    expect(local).toBeInstanceOf(LocalKeyProvider);
    expect((local as LocalKeyProvider).path).toBe(join(dir, 'keys', 'k.json'));
    expect(await createKeyProvider('aws-kms', { keyId: 'alias/x', region: 'eu-west-1' }, { baseDir: dir })).toBeInstanceOf(AwsKmsKeyProvider);
    expect(await createKeyProvider('vault-transit', { key: 'kdrill', address: 'http://v:8200' }, { baseDir: dir })).toBeInstanceOf(VaultTransitKeyProvider);
  });

  it('rejects unknown providers and bad options with the allowed names', async () => {
    await expect(createKeyProvider('gcp-kms', {}, { baseDir: dir })).rejects.toMatchObject({ code: 'E_UNKNOWN_PLUGIN', hint: /local, aws-kms, vault-transit/ });
    await expect(createKeyProvider('aws-kms', { region: 'x' }, { baseDir: dir })).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID', message: /keyId/ });
    await expect(createKeyProvider('local', { keyFile: 'k', token: 'x' }, { baseDir: dir })).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID', hint: /keyFile/ });
  });

  it('defaults the local key file to $KDRILL_KEY_FILE, else ~/.config/kdrill/key.json', () => {
    expect(defaultKeyFile({ KDRILL_KEY_FILE: '/etc/kdrill/key.json' })).toBe('/etc/kdrill/key.json');
    expect(defaultKeyFile({ HOME: process.env.HOME })).toMatch(/\.config\/kdrill\/key\.json$/);
  });
});
