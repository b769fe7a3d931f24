/** A data key wrapped by a key-encryption key (KEK); only this form is ever stored. */
export interface WrappedKey {
  /** KMS provider id: `local`, `aws-kms`, `vault-transit`. */
  provider: string;
  /** The KEK's id (key file fingerprint, KMS key ARN, Transit key name). */
  keyId: string;
  /** The KEK version that wrapped it, where the KMS exposes one. */
  keyVersion?: string;
  /** Base64 ciphertext of the data key. */
  ciphertext: string;
}

/** What a wrapped data key is bound to: a KMS that takes additional data (AWS encryption context) refuses any other. */
export interface WrapContext {
  backupId: string;
}

/**
 * A key-encryption-key service: wraps and unwraps 256-bit data keys. One file per provider under src/crypto/.
 * `unwrap` uses the configured key only: a wrapped key naming another key is refused (E_KEY_MISMATCH), never
 * decrypted with whatever key the manifest names.
 */
export interface KeyProvider {
  readonly id: string;
  /** Human-readable key identity for logs and reports (never key material). */
  describe(): string;
  wrap(dataKey: Buffer, context: WrapContext): Promise<WrappedKey>;
  /** Throws KdrillError E_KEY (missing, damaged) or E_KEY_MISMATCH (another key) with both key ids. */
  unwrap(wrapped: WrappedKey, context: WrapContext): Promise<Buffer>;
}
