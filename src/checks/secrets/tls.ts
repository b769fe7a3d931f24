import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { KubeObject } from '../../kube/types.js';
import { registerSensitive } from '../../core/redact.js';

/** What a TLS Secret holds: problems (never key material), and the certificate's validity when it parses. */
export interface TlsInspection {
  ok: boolean;
  problems: string[];
  subject?: string;
  notAfter?: string;
  /** Whole days until notAfter (truncated); negative once expired. */
  daysLeft?: number;
}

const DAY_MS = 86_400_000;

/** Check that tls.crt parses, matches tls.key (same public key) and is valid now. */
export function inspectTlsSecret(secret: KubeObject, now: number = Date.now()): TlsInspection {
  const data = (secret.data ?? {}) as Record<string, string>;
  const problems: string[] = [];
  const certPem = decode(data['tls.crt']);
  const keyPem = decode(data['tls.key']);
  if (keyPem) registerSensitive(keyPem);
  if (!certPem) problems.push('tls.crt missing or empty');
  if (!keyPem) problems.push('tls.key missing or empty');
  const cert = certPem ? parseCert(certPem) : undefined;
  const key = keyPem ? parseKey(keyPem) : undefined;
  if (certPem && !cert) problems.push('tls.crt does not parse as an X.509 certificate');
  if (keyPem && !key) problems.push('tls.key does not parse as a private key');
  if (!cert) return { ok: false, problems };
  if (key && !samePublicKey(cert.publicKey, createPublicKey(key))) problems.push('tls.crt does not match tls.key');
  const notAfter = Date.parse(cert.validTo);
  const daysLeft = Math.trunc((notAfter - now) / DAY_MS) || 0;
  if (notAfter < now) problems.push(`certificate expired on ${new Date(notAfter).toISOString()}`);
  if (Date.parse(cert.validFrom) > now) problems.push(`certificate not valid before ${new Date(Date.parse(cert.validFrom)).toISOString()}`);
  return { ok: problems.length === 0, problems, subject: cert.subject.replace(/\n/g, ', '), notAfter: new Date(notAfter).toISOString(), daysLeft };
}

function decode(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  return text.trim() ? text : undefined;
}

// new X509Certificate reads the first certificate of a PEM chain: the leaf, which is the one that must match the key.
function parseCert(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function parseKey(pem: string): KeyObject | undefined {
  try {
    return createPrivateKey(pem);
  } catch {
    return undefined;
  }
}

function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}
