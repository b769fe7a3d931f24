import { DecryptCommand, DescribeKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { KdrillError } from '../core/errors.js';
import type { KeyProvider, WrapContext, WrappedKey } from './types.js';

/** Options of the AWS KMS provider; credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID..., profiles, roles). */
export interface AwsKmsOptions {
  /** Key id, ARN or `alias/...` used to wrap, and the only key that may unwrap. */
  keyId: string;
  /** Defaults to AWS_REGION / AWS_DEFAULT_REGION. */
  region?: string;
  /** A KMS-compatible endpoint, e.g. http://127.0.0.1:4599 for local-kms. */
  endpoint?: string;
}

/** Binds every wrapped data key to kdrill and to its backup: KMS refuses to decrypt it under any other context. */
export function encryptionContext(context: WrapContext): Record<string, string> {
  return { purpose: 'kdrill-dek', backup: context.backupId };
}

const KEY_ARN = /^arn:[^:]+:kms:[^:]*:[^:]*:key\/.+$/;

/**
 * A KEK in AWS KMS (or a KMS-compatible server): Encrypt/Decrypt of the data key. AWS exposes no key version, so none
 * is stored. Unwrapping is pinned to the configured key: its ARN (DescribeKey, once) must be the manifest's, Decrypt
 * is told that KeyId, and the key KMS reports having used must be it too (some KMS emulators ignore a Decrypt KeyId).
 */
export class AwsKmsKeyProvider implements KeyProvider {
  readonly id = 'aws-kms';
  private readonly client: KMSClient;
  private arn: Promise<string> | undefined;

  constructor(private readonly options: AwsKmsOptions) {
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!options.keyId) throw new KdrillError('E_KEY', 'the aws-kms provider needs a keyId', { hint: 'set kms.options.keyId to a key id, ARN or alias/NAME' });
    if (!region) throw new KdrillError('E_KEY', 'the aws-kms provider has no region', { hint: 'set kms.options.region or AWS_REGION' });
    this.client = new KMSClient({ region, ...(options.endpoint ? { endpoint: options.endpoint } : {}), maxAttempts: 3 });
  }

  describe(): string {
    return `aws-kms key ${this.options.keyId}${this.options.endpoint ? ` at ${this.options.endpoint}` : ''}`;
  }

  async wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey> {
    const out = await this.call('wrap with', this.options.keyId, () =>
      this.client.send(new EncryptCommand({ KeyId: this.options.keyId, Plaintext: dataKey, EncryptionContext: encryptionContext(context) })),
    );
    if (!out.CiphertextBlob) throw new KdrillError('E_KEY', `KMS returned no ciphertext for key ${this.options.keyId}`);
    // KMS answers with the key's ARN: store that, not the alias, so a re-pointed alias cannot change which key unwraps.
    return { provider: this.id, keyId: out.KeyId ?? this.options.keyId, ciphertext: Buffer.from(out.CiphertextBlob).toString('base64') };
  }

  async unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer> {
    if (wrapped.provider !== this.id) {
      throw new KdrillError('E_KEY_MISMATCH', `the data key was wrapped by KMS provider "${wrapped.provider}" (key ${wrapped.keyId}), not by aws-kms`, {
        hint: `configure the ${wrapped.provider} provider that made the backup`,
      });
    }
    const configured = await this.configuredArn();
    if (wrapped.keyId !== configured) throw this.mismatch(wrapped.keyId, configured);
    const out = await this.call('unwrap with', configured, () =>
      this.client.send(
        new DecryptCommand({ KeyId: configured, CiphertextBlob: Buffer.from(wrapped.ciphertext, 'base64'), EncryptionContext: encryptionContext(context) }),
      ),
    );
    if (!out.Plaintext) throw new KdrillError('E_KEY', `KMS returned no plaintext for key ${configured}`);
    const plain = Buffer.from(out.Plaintext);
    if (out.KeyId && out.KeyId !== configured) {
      plain.fill(0);
      throw this.mismatch(out.KeyId, configured);
    }
    return plain;
  }

  /** The configured key as an ARN: given as one, or resolved (aliases, bare ids) by DescribeKey once. */
  private configuredArn(): Promise<string> {
    if (KEY_ARN.test(this.options.keyId)) return Promise.resolve(this.options.keyId);
    this.arn ??= this.call('resolve', this.options.keyId, () => this.client.send(new DescribeKeyCommand({ KeyId: this.options.keyId }))).then((out) => {
      if (!out.KeyMetadata?.Arn) throw new KdrillError('E_KEY', `KMS returned no ARN for key ${this.options.keyId}`, { hint: 'configure the key by its ARN' });
      return out.KeyMetadata.Arn;
    });
    this.arn.catch(() => (this.arn = undefined));
    return this.arn;
  }

  private mismatch(found: string, configured: string): KdrillError {
    return new KdrillError('E_KEY_MISMATCH', `the backup's data key was wrapped by KMS key ${found}, not by the configured key ${configured} (${this.options.keyId})`, {
      hint: 'kdrill unwraps only with the configured key: configure the key that made the backup, or treat the backup as forged (backups written before key pinning cannot be read: make a new one)',
    });
  }

  private async call<T>(what: string, keyId: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw kmsError(what, keyId, this.options.endpoint, error);
    }
  }
}

/** Maps an SDK error to E_KEY with a hint; SDK messages carry no key material, only ids. */
function kmsError(what: string, keyId: string, endpoint: string | undefined, error: unknown): KdrillError {
  const name = (error as { name?: string }).name ?? 'Error';
  const message = (error as Error).message ?? String(error);
  const hints: Record<string, string> = {
    NotFoundException: 'check kms.options.keyId and region: the key does not exist there',
    IncorrectKeyException: 'the backup was wrapped by another KMS key than the configured one: configure that key, or treat the backup as forged',
    InvalidCiphertextException: 'the wrapped key in the manifest is damaged, belongs to another backup, or was wrapped by another key or context',
    AccessDeniedException: 'the credentials may not use this key: check the key policy and IAM permissions (kms:Encrypt, kms:Decrypt, kms:DescribeKey)',
    DisabledException: 'the key is disabled: enable it (disabled keys cannot unwrap old backups either)',
    KMSInvalidStateException: 'the key is pending deletion or import: cancel the deletion to read its backups',
    CredentialsProviderError: 'no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE',
  };
  const network = /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN/.test(`${(error as { code?: string }).code ?? ''} ${message}`);
  const hint = hints[name] ?? (network ? `cannot reach KMS${endpoint ? ` at ${endpoint}` : ''}: check the endpoint and network` : 'see the KMS error above');
  const code = name === 'IncorrectKeyException' ? 'E_KEY_MISMATCH' : 'E_KEY';
  return new KdrillError(code, `aws-kms could not ${what} key ${keyId}: ${name}: ${message}`, { hint, cause: error });
}
