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

/** A key-encryption-key service: wraps and unwraps 256-bit data keys. One file per provider under src/crypto/. */
export interface KeyProvider {
  readonly id: string;
  /** Human-readable key identity for logs and reports (never key material). */
  describe(): string;
  wrap(dataKey: Buffer): Promise<WrappedKey>;
  /** Throws KdrillError E_KEY with a clear message when the key is wrong or missing. */
  unwrap(wrapped: WrappedKey): Promise<Buffer>;
}
