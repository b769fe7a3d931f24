import { KdrillError } from '../core/errors.js';

const HINTS: Record<string, string> = {
  NoSuchBucket: 'create the bucket first (with Object Lock enabled if you set objectLock)',
  AccessDenied: 'the credentials may not use this bucket: check its policy and the IAM permissions',
  InvalidAccessKeyId: 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for this endpoint',
  SignatureDoesNotMatch: 'the secret key is wrong for this access key, or the region does not match the endpoint',
  InvalidRequest: 'the bucket may lack Object Lock (required for objectLock) or versioning',
  CredentialsProviderError: 'no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE',
};

/** Maps an S3 SDK error to E_STORE with a hint; S3 messages carry names and codes, never object contents. */
export function s3Error(what: string, error: unknown, endpoint: string | undefined): KdrillError {
  const name = (error as { name?: string }).name ?? 'Error';
  const message = (error as Error).message ?? String(error);
  const network = /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET/.test(`${(error as { code?: string }).code ?? ''} ${message}`);
  const hint = HINTS[name] ?? (network ? `cannot reach S3${endpoint ? ` at ${endpoint}` : ''}: check the endpoint and network` : 'see the S3 error above');
  return new KdrillError('E_STORE', `cannot ${what}: ${name}: ${message}`, { hint, cause: error });
}
