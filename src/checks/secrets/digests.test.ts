import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/types.js';
import { clearSensitive, redact } from '../../core/redact.js';
import { compareDigests, digestSecret } from './digests.js';
import { secretOutcome } from './outcome.js';

const KEY = Buffer.alloc(32, 7);
const b64 = (text: string) => Buffer.from(text).toString('base64');
function secret(name: string, data: Record<string, string>, type = 'Opaque'): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'shop' }, type, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
}

afterEach(() => clearSensitive());

describe('digestSecret / compareDigests', () => {
  it('finds missing Secrets, missing, changed and added keys by name', () => {
    const before = [secret('db', { user: 'admin', password: 'correct-horse' }), secret('api', { token: 'abcdef123' }), secret('gone', { x: 'y' })].map((s) => digestSecret(s, KEY));
    const after = [secret('db', { user: 'admin', password: 'wrong-horse-1', extra: 'zzzzzz' }), secret('api', {})].map((s) => digestSecret(s, KEY));
    expect(compareDigests(before, after)).toEqual({
      compared: 3,
      missingSecrets: ['shop/gone'],
      missingKeys: ['shop/api key token'],
      addedKeys: ['shop/db key extra'],
      changedKeys: ['shop/db key password'],
    });
    expect(compareDigests(before, before)).toMatchObject({ missingSecrets: [], missingKeys: [], addedKeys: [], changedKeys: [] });
  });

  it('keeps no value, registers every value as sensitive, and ignores the token controller’s keys', () => {
    const digest = digestSecret(secret('sa-token', { token: 'eyJhbGciOi-token', 'ca.crt': 'certificate', namespace: 'shop-namespace' }, 'kubernetes.io/service-account-token'), KEY);
    expect(Object.keys(digest.keys)).toEqual([]);
    expect(JSON.stringify(digest)).not.toContain('shop-namespace');
    expect(JSON.stringify(digest)).not.toContain(b64('shop-namespace'));
    expect(redact('value eyJhbGciOi-token and c2hvcC1uYW1lc3BhY2U=')).toBe('value «redacted» and «redacted»');
  });
});

describe('secretOutcome', () => {
  const clean = { compared: 2, missingSecrets: [], missingKeys: [], addedKeys: [], changedKeys: [] };
  const base = { references: 4, unresolved: [], preExistingUnresolved: [], tlsChecked: 1, tlsProblems: [], preExistingTlsProblems: ['shop/old: certificate expired on 2020-01-01T00:00:00.000Z'], tlsExpiry: {}, tokens: [{ serviceAccount: 'shop/web', ok: true, detail: 'token accepted as system:serviceaccount:shop:web' }] };

  it('passes when nothing differs, keeping pre-existing problems as warnings', () => {
    const outcome = secretOutcome({ comparison: clean, ...base });
    expect(outcome.status).toBe('passed');
    expect(outcome.summary).toBe('2 Secrets intact, 4 references resolve, 1 TLS Secrets valid, 1/1 service-account tokens accepted');
    expect(outcome.evidence).toMatchObject({ tls: { preExistingProblems: { items: base.preExistingTlsProblems, more: 0 } } });
  });

  it('fails with a count per problem kind, capped evidence and a recommendation', () => {
    const changed = Array.from({ length: 30 }, (_, i) => `shop/s${i} key v`);
    const outcome = secretOutcome({
      ...base,
      comparison: { ...clean, missingSecrets: ['shop/db'], changedKeys: changed },
      unresolved: ['Deployment shop/web container api env DB_PASSWORD → secret shop/db key password: secret missing'],
      tokens: [{ serviceAccount: 'shop/web', ok: false, detail: 'TokenReview rejected the token' }],
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toBe('1 Secrets missing, 30 values changed, 1 references unresolved, 1 token probes failed');
    expect(outcome.evidence).toMatchObject({ secrets: { changedKeys: { more: 5 } }, tokens: { probed: 1, accepted: 0 } });
    expect(outcome.recommendation).toMatch(/signing key/);
  });
});
