import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretInjection } from '../../src/checks/secret-injection.js';
import { makeTestCertificate, type TestCertificate } from '../../src/checks/secrets/test-certs.js';
import type { CheckOutcome } from '../../src/contracts/types.js';
import type { KubeObject } from '../../src/kube/types.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';

const NS = '/api/v1/namespaces/shop';
const options = { namespaces: ['shop'], tokenRequests: 5 };
const DB_PASSWORD = 'correct-horse-battery-staple';
const b64 = (text: string) => Buffer.from(text).toString('base64');

interface Capped {
  items: string[];
  more: number;
}
interface Evidence {
  secrets: { compared: number; missing: Capped; missingKeys: Capped; changedKeys: Capped; addedKeys: Capped };
  references: { checked: number; unresolved: Capped; preExistingUnresolved: Capped };
  tls: { checked: number; problems: Capped; daysLeft: Record<string, number> };
  tokens: { probed: number; accepted: number; results: { serviceAccount: string; ok: boolean; detail: string }[] };
}

const secret = (name: string, data: Record<string, string>, type = 'Opaque'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'shop' },
  type,
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});
const dbSecret = (password: string, extra: Record<string, string> = {}) => secret('db', { user: 'shop-admin', password, ...extra });

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        serviceAccountName: 'web',
        containers: [
          {
            name: 'api',
            image: 'registry.example/web:1',
            env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
            envFrom: [{ secretRef: { name: 'api-key' } }],
          },
        ],
        volumes: [{ name: 'creds', secret: { secretName: 'db', items: [{ key: 'user', path: 'user' }] } }],
      },
    },
  },
};
const ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { tls: [{ hosts: ['web.shop.example'], secretName: 'web-tls' }], defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
};

// A real control plane: seed Secrets and their users, take the baseline, break them as a bad restore would, put them back.
describe('secret-injection against a real cluster', () => {
  let test: TestCluster;
  let ctx: TestContext;
  let tls: TestCertificate;
  let otherTls: TestCertificate;

  const verify = async (baseline: unknown): Promise<{ outcome: CheckOutcome; evidence: Evidence; text: string }> => {
    const outcome = await secretInjection.verify(ctx, options, baseline);
    return { outcome, evidence: outcome.evidence as unknown as Evidence, text: JSON.stringify(outcome) };
  };
  const putSecret = (object: KubeObject) => test.client.apply(`${NS}/secrets/${object.metadata.name}`, object);
  const tlsSecret = (pair: TestCertificate, key = pair.key) => secret('web-tls', { 'tls.crt': pair.cert, 'tls.key': key }, 'kubernetes.io/tls');
  const expectPasses = async (baseline: unknown) => {
    const { outcome } = await verify(baseline);
    expect(outcome.status, outcome.summary).toBe('passed');
  };

  beforeAll(async () => {
    test = await startTestCluster({ name: 'secret-injection' });
    ctx = await makeTestContext({ cluster: test.cluster, client: test.client });
    const now = Date.now();
    [tls, otherTls] = await Promise.all([makeTestCertificate('web.shop.example', now - 3_600_000, now + 90 * 86_400_000), makeTestCertificate('other', now - 3_600_000, now + 86_400_000)]);
    await test.client.apply(NS, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await test.client.apply(`${NS}/serviceaccounts/web`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } });
    await putSecret(dbSecret(DB_PASSWORD));
    await putSecret(secret('api-key', { API_KEY: 'sk-live-0123456789' }));
    await putSecret(tlsSecret(tls));
    await test.client.apply('/apis/apps/v1/namespaces/shop/deployments/web', deployment);
    await test.client.apply('/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web', ingress);
  });

  afterAll(async () => {
    await ctx?.cleanup();
    await test?.destroy();
  });

  it('passes on an unchanged cluster: Secrets, references, TLS and tokens', async () => {
    const baseline = await secretInjection.baseline!(ctx, options);
    expect(JSON.stringify(baseline)).not.toContain(b64(DB_PASSWORD));
    expect(JSON.stringify(baseline)).not.toMatch(/hmacKey/);
    const { outcome, evidence } = await verify(baseline);
    expect(outcome.status, outcome.summary).toBe('passed');
    // 3 Secrets; 5 references: env DB_PASSWORD, envFrom api-key, volume key user, Ingress tls.crt and tls.key.
    expect(outcome.summary).toBe('3 Secrets intact, 5 references resolve, 1 TLS Secrets valid, 2/2 service-account tokens accepted');
    expect(evidence.tls.daysLeft).toEqual({ 'shop/web-tls': 89 });
    expect(evidence.tokens.results.map((r) => r.serviceAccount)).toEqual(['shop/web', 'shop/default']);
  });

  it('fails when a referenced Secret is deleted, naming the workload, container and key', async () => {
    const baseline = await secretInjection.baseline!(ctx, options);
    await test.client.delete(`${NS}/secrets/db`);
    const { outcome, evidence } = await verify(baseline);
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toBe('1 Secrets missing, 2 references unresolved');
    expect(evidence.secrets.missing.items).toEqual(['shop/db']);
    expect(evidence.references.unresolved.items).toEqual([
      'Deployment shop/web container api env DB_PASSWORD → secret shop/db key password: secret missing',
      'Deployment shop/web volume creds → secret shop/db key user: secret missing',
    ]);
    await putSecret(dbSecret(DB_PASSWORD));
    await expectPasses(baseline);
  });

  it('fails on a changed value and on a removed key, by key name and never by value', async () => {
    const baseline = await secretInjection.baseline!(ctx, options);
    await putSecret(dbSecret('tampered-password-42'));
    const changed = await verify(baseline);
    expect(changed.outcome.status).toBe('failed');
    expect(changed.evidence.secrets.changedKeys.items).toEqual(['shop/db key password']);
    for (const value of [DB_PASSWORD, 'tampered-password-42']) {
      expect(changed.text).not.toContain(value);
      expect(changed.text).not.toContain(b64(value));
    }

    // SSA by the same field manager drops the key it no longer sends.
    await putSecret(secret('db', { user: 'shop-admin' }));
    const removed = await verify(baseline);
    expect(removed.outcome.status).toBe('failed');
    expect(removed.outcome.summary).toBe('1 keys missing, 1 references unresolved');
    expect(removed.evidence.secrets.missingKeys.items).toEqual(['shop/db key password']);
    expect(removed.evidence.references.unresolved.items).toEqual(['Deployment shop/web container api env DB_PASSWORD → secret shop/db key password: key missing']);

    await putSecret(dbSecret(DB_PASSWORD));
    await expectPasses(baseline);
  });

  it('fails when the TLS key no longer matches the certificate', async () => {
    const baseline = await secretInjection.baseline!(ctx, options);
    await putSecret(tlsSecret(tls, otherTls.key));
    const { outcome, evidence, text } = await verify(baseline);
    expect(outcome.status).toBe('failed');
    expect(evidence.tls.problems.items).toEqual(['shop/web-tls: tls.crt does not match tls.key']);
    expect(evidence.secrets.changedKeys.items).toEqual(['shop/web-tls key tls.key']);
    expect(text).not.toContain('PRIVATE KEY');
    await putSecret(tlsSecret(tls));
    await expectPasses(baseline);
  });

  it('fails when a ServiceAccount can no longer get a token, and passes once it is back', async () => {
    const baseline = await secretInjection.baseline!(ctx, options);
    await test.client.delete(`${NS}/serviceaccounts/web`);
    const { outcome, evidence } = await verify(baseline);
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toBe('1 token probes failed');
    const web = evidence.tokens.results.find((r) => r.serviceAccount === 'shop/web');
    expect(web?.ok).toBe(false);
    expect(web?.detail).toMatch(/^TokenRequest failed: POST \/api\/v1\/namespaces\/shop\/serviceaccounts\/web\/token: 404/);
    await test.client.apply(`${NS}/serviceaccounts/web`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } });
    await expectPasses(baseline);
  });

  it('with baselineTokens, a token issued before the disaster must still be accepted: a re-created ServiceAccount fails', async () => {
    const withTokens = { ...options, baselineTokens: true };
    const baseline = await secretInjection.baseline!(ctx, withTokens);
    const unchanged = await secretInjection.verify(ctx, withTokens, baseline);
    expect(unchanged.status, unchanged.summary).toBe('passed');
    expect(JSON.stringify(unchanged.evidence)).toContain('token issued before the disaster: token accepted as system:serviceaccount:shop:web');
    expect(JSON.stringify(baseline)).not.toMatch(/eyJ/);

    // A new uid: what an API-level restore (or a lost etcd) does to every ServiceAccount.
    await test.client.delete(`${NS}/serviceaccounts/web`);
    await test.client.apply(`${NS}/serviceaccounts/web`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } });
    // The token authenticator reads ServiceAccounts through the apiserver's cache: give it a moment to see the new uid.
    let outcome = await secretInjection.verify(ctx, withTokens, baseline);
    const deadline = Date.now() + 5 * 60_000;
    while (outcome.status === 'passed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      outcome = await secretInjection.verify(ctx, withTokens, baseline);
    }
    expect(outcome.status).toBe('failed');
    const text = JSON.stringify(outcome);
    expect(text).toMatch(/token issued before the disaster: TokenReview rejected the token/);
    expect(text).not.toMatch(/eyJ/);
  });
});
