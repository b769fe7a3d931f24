import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KdrillError } from '../core/errors.js';
import { registerSensitive } from '../core/redact.js';
import { createFileExclusive } from '../store/atomic-file.js';

/**
 * Ed25519 evidence-signing keys: PEM files (PKCS#8 private key, SPKI public key), deliberately unlike the JSON
 * key-encryption key files of src/crypto/key-file.ts, so neither can be mistaken for the other. Plain PEM also lets an
 * auditor check a signature with openssl alone (docs/evidence.md).
 */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `sha256:<hex>` of the public key's DER (SPKI) bytes: `openssl pkey -pubin -outform DER | sha256sum`. */
  fingerprint: string;
}

export interface PublicKeyInfo {
  publicKey: KeyObject;
  fingerprint: string;
}

/** Default private key path: `$XDG_CONFIG_HOME/kdrill/signing.key` (the public key is the same path plus `.pub`). */
export function defaultSigningKeyPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'kdrill', 'signing.key');
}

export function publicKeyPathFor(privatePath: string): string {
  return `${privatePath}.pub`;
}

export function fingerprintOf(publicKey: KeyObject): string {
  return 'sha256:' + createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** Writes a new key pair: the private key 0600, the public key 0644 beside it; refuses to replace either file. */
export async function createSigningKey(privatePath: string): Promise<{ privatePath: string; publicPath: string; fingerprint: string }> {
  const publicPath = publicKeyPathFor(privatePath);
  for (const path of [privatePath, publicPath]) {
    if (await exists(path)) {
      throw new KdrillError('E_KEY', `${path} already exists; refusing to overwrite a signing key`, {
        hint: 'choose another --out path; evidence signed with the old key still needs its public key to verify',
      });
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  registerSensitive(pemBody(privatePem));
  let wrotePrivate = false;
  try {
    await createFileExclusive(privatePath, privatePem);
    wrotePrivate = true;
    await createFileExclusive(publicPath, publicKey.export({ type: 'spki', format: 'pem' }) as string, 0o644);
  } catch (error) {
    // Nothing half-written: a private key without its public half is useless to an auditor.
    if (wrotePrivate) await rm(privatePath, { force: true });
    throw new KdrillError('E_KEY', `cannot write signing key ${privatePath}: ${(error as Error).message}`, { hint: 'check the directory is writable' });
  }
  return { privatePath, publicPath, fingerprint: fingerprintOf(publicKey) };
}

/** Reads the private key for `kdrill run --sign`; refuses a file that group or others can access, and any non-Ed25519 key. */
export async function readSigningKey(path: string): Promise<SigningKey> {
  const { text, mode } = await readKeyText(path, 'signing key');
  if (mode & 0o077) {
    throw new KdrillError('E_KEY', `signing key ${path} is accessible to group/others (mode ${mode.toString(8).padStart(4, '0')}); refusing to sign with it`, {
      hint: `run \`chmod 600 ${path}\`, and consider the key exposed if others could read it`,
    });
  }
  if (!text.includes('-----BEGIN PRIVATE KEY-----')) throw notA(path, 'a PKCS#8 PEM private key (kdrill keys create --signing writes one)');
  registerSensitive(pemBody(text));
  const privateKey = ed25519Key(() => createPrivateKey(text), path, 'a readable PEM private key');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, fingerprint: fingerprintOf(publicKey) };
}

/** Reads an auditor's public key; a private key is refused, so it is never passed around as if it were public. */
export async function readPublicKey(path: string): Promise<PublicKeyInfo> {
  const { text } = await readKeyText(path, 'public key');
  if (text.includes('PRIVATE KEY')) {
    throw new KdrillError('E_KEY', `${path} holds a private key; verification needs the public key only`, {
      hint: `pass the .pub file written beside it; treat ${path} as exposed if it was shared`,
    });
  }
  const publicKey = ed25519Key(() => createPublicKey(text), path, 'a PEM public key (-----BEGIN PUBLIC KEY-----)');
  return { publicKey, fingerprint: fingerprintOf(publicKey) };
}

/** The key `parse` makes, or E_KEY: unparsable (`what`) or not Ed25519. */
function ed25519Key(parse: () => KeyObject, path: string, what: string): KeyObject {
  let key: KeyObject;
  try {
    key = parse();
  } catch {
    // No cause: the parser's message is not needed and the text may be key material.
    throw notA(path, what);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw notA(path, `an Ed25519 key (it is ${key.asymmetricKeyType ?? 'unknown'})`);
  return key;
}

async function readKeyText(path: string, what: string): Promise<{ text: string; mode: number }> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, mode: info.mode & 0o777 };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KdrillError('E_KEY', code === 'ENOENT' ? `${what} ${path} does not exist` : `cannot read ${what} ${path} (${code ?? 'error'})`, {
      hint: code === 'ENOENT' ? 'create a key pair with `kdrill keys create --signing --out FILE`' : 'check the path and its permissions',
    });
  }
}

function notA(path: string, what: string): KdrillError {
  return new KdrillError('E_KEY', `${path} is not ${what}`, { hint: 'create a key pair with `kdrill keys create --signing --out FILE`' });
}

/** The base64 body of a PEM block: what must never appear in a log. */
function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
