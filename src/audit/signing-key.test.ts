import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redact } from '../core/redact.js';
import { createSigningKey, defaultSigningKeyPath, readPublicKey, readSigningKey } from './signing-key.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdrill-signing-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evidence signing keys', () => {
  it('writes an Ed25519 pair: private 0600, public 0644, fingerprint = sha256 of the DER public key', async () => {
    const made = await createSigningKey(join(dir, 'k', 'signing.key'));
    expect(made.publicPath).toBe(join(dir, 'k', 'signing.key.pub'));
    expect((await stat(made.privatePath)).mode & 0o777).toBe(0o600);
    expect((await stat(made.publicPath)).mode & 0o777).toBe(0o644);
    const key = await readSigningKey(made.privatePath);
    const pub = await readPublicKey(made.publicPath);
    expect(key.privateKey.asymmetricKeyType).toBe('ed25519');
    const der = pub.publicKey.export({ type: 'spki', format: 'der' });
    expect(pub.fingerprint).toBe('sha256:' + createHash('sha256').update(der).digest('hex'));
    expect(key.fingerprint).toBe(pub.fingerprint);
    // The private key is registered as sensitive once read: no log line can carry it.
    const body = (await readFile(made.privatePath, 'utf8')).split('\n')[1]!;
    expect(redact(`key ${body}`)).not.toContain(body);
  });

  it('is a different format from key-encryption key files, and is never overwritten', async () => {
    const path = join(dir, 'signing.key');
    await createSigningKey(path);
    expect(await readFile(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    await expect(createSigningKey(path)).rejects.toMatchObject({ code: 'E_KEY', message: expect.stringContaining('already exists') });
    await writeFile(join(dir, 'kek.json'), JSON.stringify({ kind: 'KdrillKeyFile', version: 1 }), { mode: 0o600 });
    await expect(readSigningKey(join(dir, 'kek.json'))).rejects.toMatchObject({ code: 'E_KEY', message: expect.stringContaining('PKCS#8 PEM private key') });
  });

  it.each([0o640, 0o604, 0o644])('refuses to sign with a private key of mode %o', async (mode) => {
    const made = await createSigningKey(join(dir, 'signing.key'));
    await chmod(made.privatePath, mode);
    await expect(readSigningKey(made.privatePath)).rejects.toMatchObject({ code: 'E_KEY', message: expect.stringContaining('accessible to group/others') });
  });

  it('refuses a non-Ed25519 key, a private key given as the public key, and a missing file', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(join(dir, 'rsa.key'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await writeFile(join(dir, 'rsa.pub'), rsa.publicKey.export({ type: 'spki', format: 'pem' }));
    await expect(readSigningKey(join(dir, 'rsa.key'))).rejects.toMatchObject({ message: expect.stringContaining('not an Ed25519 key (it is rsa)') });
    await expect(readPublicKey(join(dir, 'rsa.pub'))).rejects.toMatchObject({ message: expect.stringContaining('not an Ed25519 key (it is rsa)') });
    const made = await createSigningKey(join(dir, 'signing.key'));
    await expect(readPublicKey(made.privatePath)).rejects.toMatchObject({ code: 'E_KEY', message: expect.stringContaining('holds a private key') });
    await expect(readPublicKey(join(dir, 'nope.pub'))).rejects.toMatchObject({ code: 'E_KEY', message: expect.stringContaining('does not exist') });
  });

  it('defaults to $XDG_CONFIG_HOME/kdrill/signing.key', () => {
    expect(defaultSigningKeyPath({ XDG_CONFIG_HOME: '/etc/xdg' })).toBe('/etc/xdg/kdrill/signing.key');
  });
});
