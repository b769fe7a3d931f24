import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/types.js';
import { clearSensitive, redact } from '../../core/redact.js';
import { makeTestCertificate } from './test-certs.js';
import { collectReferences, describeReference, inspectTlsSecret, keyedHash, resolveReferences, secretKeys } from './references.js';

const podSpec = {
  serviceAccountName: 'web',
  imagePullSecrets: [{ name: 'regcred' }],
  initContainers: [{ name: 'init', envFrom: [{ secretRef: { name: 'init-env' } }] }],
  containers: [
    {
      name: 'api',
      env: [
        { name: 'PLAIN', value: 'x' },
        { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        { name: 'OPT', valueFrom: { secretKeyRef: { name: 'maybe', key: 'k', optional: true } } },
      ],
    },
  ],
  volumes: [
    { name: 'creds', secret: { secretName: 'files', items: [{ key: 'a', path: 'a' }, { key: 'b', path: 'b' }] } },
    { name: 'whole', secret: { secretName: 'whole' } },
    { name: 'all', projected: { sources: [{ configMap: { name: 'cm' } }, { secret: { name: 'proj', items: [{ key: 'p', path: 'p' }] } }] } },
  ],
};

function obj(kind: string, name: string, fields: Record<string, unknown>, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { name, namespace: 'shop', ...extra }, ...fields };
}
const secret = (name: string, data: Record<string, string>, namespace = 'shop') =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data }) as KubeObject;

describe('collectReferences', () => {
  it('finds every kind of reference in a Deployment template', () => {
    const refs = collectReferences([obj('Deployment', 'web', { spec: { template: { spec: podSpec } } })]);
    expect(refs.map(describeReference)).toEqual([
      'Deployment shop/web container init envFrom → secret shop/init-env',
      'Deployment shop/web container api env DB_PASSWORD → secret shop/db key password',
      'Deployment shop/web container api env OPT → secret shop/maybe key k',
      'Deployment shop/web volume creds → secret shop/files key a',
      'Deployment shop/web volume creds → secret shop/files key b',
      'Deployment shop/web volume whole → secret shop/whole',
      'Deployment shop/web projected volume all → secret shop/proj key p',
      'Deployment shop/web imagePullSecrets → secret shop/regcred',
    ]);
    expect(refs.filter((r) => r.optional).map((r) => r.secret)).toEqual(['maybe']);
  });

  it('reads the pod spec at each kind’s path and skips objects a workload controller owns', () => {
    const spec = { containers: [{ name: 'c', envFrom: [{ secretRef: { name: 's' } }] }] };
    const objects = [
      obj('Pod', 'lone', { spec }),
      obj('Pod', 'web-1', { spec }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u', controller: true }] }),
      obj('StatefulSet', 'db', { spec: { template: { spec } } }),
      obj('DaemonSet', 'agent', { spec: { template: { spec } } }),
      obj('ReplicaSet', 'rs', { spec: { template: { spec } } }),
      obj('Job', 'once', { spec: { template: { spec } } }),
      obj('CronJob', 'nightly', { spec: { jobTemplate: { spec: { template: { spec } } } } }),
      obj('ConfigMap', 'cm', { data: { spec: 'x' } }),
    ];
    expect(collectReferences(objects).map((r) => `${r.owner.kind}/${r.owner.name}`)).toEqual([
      'Pod/lone', 'StatefulSet/db', 'DaemonSet/agent', 'ReplicaSet/rs', 'Job/once', 'CronJob/nightly',
    ]);
  });

  it('finds ServiceAccount pull secrets and secrets, and both keys of an Ingress TLS secret', () => {
    const refs = collectReferences([
      obj('ServiceAccount', 'web', { imagePullSecrets: [{ name: 'regcred' }], secrets: [{ name: 'tok' }, { name: 'far', namespace: 'other' }] }),
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' }, spec: { tls: [{ hosts: ['a'], secretName: 'web-tls' }, { hosts: ['b'] }] } },
    ]);
    expect(refs.map(describeReference)).toEqual([
      'ServiceAccount shop/web imagePullSecrets → secret shop/regcred',
      'ServiceAccount shop/web secrets → secret shop/tok',
      'ServiceAccount shop/web secrets → secret other/far',
      'Ingress shop/web tls → secret shop/web-tls key tls.crt',
      'Ingress shop/web tls → secret shop/web-tls key tls.key',
    ]);
  });
});

describe('resolveReferences', () => {
  it('reports missing secrets, missing keys and wrong namespaces, ignoring optional references', () => {
    const refs = collectReferences([
      obj('Deployment', 'web', { spec: { template: { spec: podSpec } } }),
      obj('ServiceAccount', 'web', { secrets: [{ name: 'far', namespace: 'other' }] }),
    ]);
    const secrets = [
      secretKeys(secret('db', { user: 'dQ==' })),
      secretKeys(secret('files', { a: 'YQ==', b: 'Yg==' })),
      secretKeys(secret('init-env', {})),
      secretKeys(secret('proj', { p: 'cA==' })),
      secretKeys(secret('regcred', { '.dockerconfigjson': 'e30=' })),
      secretKeys(secret('whole', {}, 'elsewhere')),
      secretKeys(secret('far', {}, 'other')),
    ];
    expect(resolveReferences(refs, secrets).map((u) => [u.reason, u.description])).toEqual([
      ['missing-key', 'Deployment shop/web container api env DB_PASSWORD → secret shop/db key password: key missing'],
      ['missing-secret', 'Deployment shop/web volume whole → secret shop/whole: secret missing (one of that name is in elsewhere)'],
      ['wrong-namespace', 'ServiceAccount shop/web secrets → secret other/far: the Secret is in namespace other, not shop'],
    ]);
  });
});

describe('keyedHash', () => {
  it('is an HMAC-SHA256: same key and value agree, another key or value differs', () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    expect(keyedHash(k1, 'hunter2')).toMatch(/^[0-9a-f]{64}$/);
    expect(keyedHash(k1, 'hunter2')).toBe(keyedHash(k1, Buffer.from('hunter2')));
    expect(keyedHash(k1, 'hunter2')).not.toBe(keyedHash(k2, 'hunter2'));
    expect(keyedHash(k1, 'hunter2')).not.toBe(keyedHash(k1, 'hunter3'));
    // Known vector (RFC 4231 test case 2).
    expect(keyedHash(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });
});

describe('inspectTlsSecret', () => {
  const DAY = 86_400_000;
  let good: { cert: string; key: string };
  let other: { cert: string; key: string };
  let expired: { cert: string; key: string };
  const make = (from: number, to: number) => makeTestCertificate('web.shop', from, to);
  const tls = (cert: string, key: string) => secret('web-tls', { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') });

  beforeAll(async () => {
    const now = Date.now();
    [good, other, expired] = await Promise.all([make(now - DAY, now + 30.5 * DAY), make(now - DAY, now + 30 * DAY), make(now - 10 * DAY, now - 2 * DAY)]);
  });

  it('accepts a matching, current pair and counts the days left', () => {
    const result = inspectTlsSecret(tls(good.cert, good.key));
    expect(result).toMatchObject({ ok: true, problems: [], subject: 'CN=web.shop', daysLeft: 30 });
  });

  it('rejects a certificate whose key does not match, an expired one, and garbage', () => {
    expect(inspectTlsSecret(tls(good.cert, other.key)).problems).toEqual(['tls.crt does not match tls.key']);
    const old = inspectTlsSecret(tls(expired.cert, expired.key));
    expect(old.ok).toBe(false);
    expect(old.daysLeft).toBe(-2);
    expect(old.problems[0]).toMatch(/^certificate expired on /);
    expect(inspectTlsSecret(tls('not a cert', 'not a key')).problems).toEqual([
      'tls.crt does not parse as an X.509 certificate',
      'tls.key does not parse as a private key',
    ]);
    expect(inspectTlsSecret(secret('empty', {})).problems).toEqual(['tls.crt missing or empty', 'tls.key missing or empty']);
  });

  it('registers the private key as sensitive as soon as it reads it', () => {
    clearSensitive();
    inspectTlsSecret(tls(good.cert, good.key));
    expect(redact(`leak ${good.key}`)).toBe('leak «redacted»');
  });
});
