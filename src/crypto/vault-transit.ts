import { KdrillError } from '../core/errors.js';
import { registerSensitive } from '../core/redact.js';
import type { KeyProvider, WrapContext, WrappedKey } from './types.js';

/** Options of the Vault/OpenBao Transit provider. */
export interface VaultTransitOptions {
  /** Server URL; defaults to VAULT_ADDR. */
  address?: string;
  /** Transit key name. */
  key: string;
  /** Name of the environment variable holding the token; default VAULT_TOKEN. */
  tokenEnv?: string;
  /** Mount path of the Transit engine; default `transit`. */
  mount?: string;
  /** For tests: the fetch to use. */
  fetch?: typeof fetch;
}

interface VaultReply {
  data?: { ciphertext?: string; plaintext?: string; key_version?: number };
  errors?: string[];
}

const PREFIX = /^vault:v(\d+):(.+)$/;

/**
 * A KEK in Vault or OpenBao Transit: `POST /v1/<mount>/encrypt|decrypt/<key>` with X-Vault-Token; the key version comes
 * from the `vault:vN:` prefix. Unverified against a real server: no Vault/OpenBao can run where kdrill is tested, so only
 * the request/response mapping is unit-tested. Unwrapping uses the configured key name only (a manifest naming another
 * key is refused); no associated data binds the backup id (Transit takes it only for derived or AEAD-context keys),
 * the manifest MAC covers the wrapped key instead.
 */
export class VaultTransitKeyProvider implements KeyProvider {
  readonly id = 'vault-transit';
  private readonly address: string;
  private readonly mount: string;
  private readonly tokenEnv: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: VaultTransitOptions) {
    const address = options.address ?? process.env.VAULT_ADDR;
    if (!address) throw new KdrillError('E_KEY', 'the vault-transit provider has no server address', { hint: 'set kms.options.address or VAULT_ADDR' });
    if (!options.key) throw new KdrillError('E_KEY', 'the vault-transit provider needs a key name', { hint: 'set kms.options.key to the Transit key name' });
    this.address = address.replace(/\/+$/, '');
    this.mount = (options.mount ?? 'transit').replace(/^\/+|\/+$/g, '');
    this.tokenEnv = options.tokenEnv ?? 'VAULT_TOKEN';
    this.fetch = options.fetch ?? fetch;
  }

  describe(): string {
    return `vault-transit key ${this.options.key} at ${this.address}/v1/${this.mount}`;
  }

  async wrap(dataKey: Buffer, _context: WrapContext): Promise<WrappedKey> {
    const reply = await this.post('encrypt', this.options.key, { plaintext: dataKey.toString('base64') });
    const match = PREFIX.exec(reply.data?.ciphertext ?? '');
    if (!match) throw new KdrillError('E_KEY', `Vault Transit returned no vault:vN: ciphertext for key ${this.options.key}`, { hint: 'check that the mount is a Transit engine' });
    return { provider: this.id, keyId: this.options.key, keyVersion: match[1], ciphertext: match[2]! };
  }

  async unwrap(wrapped: WrappedKey, _context: WrapContext): Promise<Buffer> {
    if (wrapped.provider !== this.id) {
      throw new KdrillError('E_KEY_MISMATCH', `the data key was wrapped by KMS provider "${wrapped.provider}" (key ${wrapped.keyId}), not by vault-transit`, {
        hint: `configure the ${wrapped.provider} provider that made the backup`,
      });
    }
    if (wrapped.keyId !== this.options.key) {
      throw new KdrillError('E_KEY_MISMATCH', `the backup's data key was wrapped by Transit key ${wrapped.keyId}, not by the configured key ${this.options.key}`, {
        hint: 'kdrill unwraps only with the configured key: configure the key that made the backup, or treat the backup as forged',
      });
    }
    if (!wrapped.keyVersion) throw new KdrillError('E_KEY', `the wrapped data key for Transit key ${wrapped.keyId} has no key version`, { hint: 'the manifest is damaged' });
    const reply = await this.post('decrypt', this.options.key, { ciphertext: `vault:v${wrapped.keyVersion}:${wrapped.ciphertext}` });
    if (typeof reply.data?.plaintext !== 'string') throw new KdrillError('E_KEY', `Vault Transit returned no plaintext for key ${this.options.key}`);
    return Buffer.from(reply.data.plaintext, 'base64');
  }

  private async post(operation: 'encrypt' | 'decrypt', key: string, body: Record<string, string>): Promise<VaultReply> {
    const url = `${this.address}/v1/${this.mount}/${operation}/${encodeURIComponent(key)}`;
    let response: Response;
    try {
      response = await this.fetch(url, { method: 'POST', headers: { 'X-Vault-Token': this.token(), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    } catch (error) {
      throw new KdrillError('E_KEY', `cannot reach Vault at ${this.address}: ${(error as Error).message}`, { hint: 'check kms.options.address / VAULT_ADDR and the network', cause: error });
    }
    const reply = (await response.json().catch(() => ({}))) as VaultReply;
    if (!response.ok) {
      const why = reply.errors?.join('; ') || response.statusText;
      throw new KdrillError('E_KEY', `Vault Transit ${operation} with key ${key} failed: HTTP ${response.status}: ${why}`, { hint: hintFor(response.status, this.tokenEnv) });
    }
    return reply;
  }

  private token(): string {
    const token = process.env[this.tokenEnv];
    if (!token) throw new KdrillError('E_KEY', `no Vault token: ${this.tokenEnv} is not set`, { hint: `export ${this.tokenEnv}=<token> (a token allowed to use the Transit key)` });
    registerSensitive(token);
    return token;
  }
}

function hintFor(status: number, tokenEnv: string): string {
  if (status === 403) return `the token in ${tokenEnv} is invalid, expired, or lacks a policy for this Transit key`;
  if (status === 400) return 'the ciphertext was not made by this key (or is damaged), or the key does not exist';
  if (status === 404) return 'no Transit engine at this mount: check kms.options.mount';
  return 'see the Vault error above';
}
