import { createHash, randomBytes } from 'node:crypto';
import type { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/kube/types.js';
import { canonicalJson } from '../../src/audit/audit-log.js';
import { waitFor } from './wait.js';
import { widgetCrd } from './crds.js';

/** What seedEtcdFixtures created: names to compare and canaries that must never leave the cluster in plaintext. */
export interface EtcdFixtures {
  namespaces: string[];
  secrets: string[];
  /** Canary values in Secrets (encrypted at rest by the apiserver). */
  secretCanaries: string[];
  /** A canary in a ConfigMap: plaintext in etcd, so only sealing hides it in a snapshot. */
  configMapCanary: string;
}

const CRD = widgetCrd({
  group: 'drill.example.com',
  schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } } } },
});

/** Two namespaces with ConfigMaps, Secrets (random canaries) and Widgets of a CRD; `bulk` extra 20 KB ConfigMaps for size. */
export async function seedEtcdFixtures(client: KubeClient, prefix: string, bulk = 0): Promise<EtcdFixtures> {
  const namespaces = [`${prefix}-shop`, `${prefix}-billing`];
  const secretCanaries: string[] = [];
  const secrets: string[] = [];
  const configMapCanary = `cm-canary-${randomBytes(12).toString('hex')}`;
  await ensureCrd(client);
  for (const ns of namespaces) {
    await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kdrill.dev/test': prefix } } });
    await client.create(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: ns, note: configMapCanary } });
    for (const name of ['db', 'api']) {
      const canary = `canary-${randomBytes(16).toString('hex')}`;
      secretCanaries.push(canary);
      secrets.push(`${ns}/${name}`);
      await client.create(`/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { password: canary, user: name } });
    }
    await client.create(`/apis/drill.example.com/v1/namespaces/${ns}/widgets`, { apiVersion: 'drill.example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3, color: ns } });
  }
  await seedBulk(client, namespaces[0]!, bulk);
  // The controllers add both to each new namespace a moment later: a baseline taken before would miss their keys.
  for (const ns of namespaces) {
    for (const path of ['serviceaccounts/default', 'configmaps/kube-root-ca.crt']) await waitFor(async () => (await client.getOptional(`/api/v1/namespaces/${ns}/${path}`)) !== undefined);
  }
  return { namespaces, secrets, secretCanaries, configMapCanary };
}

async function ensureCrd(client: KubeClient): Promise<void> {
  if (!(await client.getOptional(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD.metadata.name}`))) {
    await client.create('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', CRD);
  }
  await waitFor(async () => {
    const got = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD.metadata.name}`);
    return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  });
  await waitFor(async () => (await client.getOptional('/apis/drill.example.com/v1')) !== undefined);
}

async function seedBulk(client: KubeClient, ns: string, count: number): Promise<void> {
  const filler = randomBytes(15_000).toString('base64');
  const names = Array.from({ length: count }, (_, i) => `bulk-${i}`);
  for (let i = 0; i < names.length; i += 16) {
    await Promise.all(names.slice(i, i + 16).map((name) => client.create(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { filler } })));
  }
}

/** The seeded objects as `kind/ns/name` → sha256 of their data or spec: equal maps mean equal names and contents. */
export async function fixtureState(client: KubeClient, fixtures: EtcdFixtures): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  const digest = (value: unknown) => createHash('sha256').update(canonicalJson(value ?? null)).digest('hex').slice(0, 16);
  for (const ns of fixtures.namespaces) {
    const namespace = await client.getOptional<KubeObject>(`/api/v1/namespaces/${ns}`);
    if (!namespace) continue;
    state[`Namespace//${ns}`] = digest(namespace.metadata.labels);
    for (const [kind, path, field] of [
      ['ConfigMap', `/api/v1/namespaces/${ns}/configmaps`, 'data'],
      ['Secret', `/api/v1/namespaces/${ns}/secrets`, 'data'],
      ['Widget', `/apis/drill.example.com/v1/namespaces/${ns}/widgets`, 'spec'],
    ] as const) {
      for (const item of (await client.listAll(path)).items) {
        if (item.metadata.name === 'kube-root-ca.crt') continue;
        state[`${kind}/${ns}/${item.metadata.name}`] = digest(item[field]);
      }
    }
  }
  return state;
}

/** Delete some of the seeded objects and a whole namespace, and wait until they are gone. */
export async function damageFixtures(client: KubeClient, fixtures: EtcdFixtures): Promise<void> {
  const [shop, billing] = fixtures.namespaces as [string, string];
  await client.delete(`/api/v1/namespaces/${shop}/secrets/db`);
  await client.delete(`/api/v1/namespaces/${shop}/configmaps/settings`);
  await client.delete(`/apis/drill.example.com/v1/namespaces/${shop}/widgets/w1`);
  await client.replace(`/api/v1/namespaces/${shop}/secrets/api`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api', namespace: shop }, stringData: { password: 'overwritten-by-chaos' } });
  await client.delete(`/api/v1/namespaces/${billing}`);
  await waitFor(async () => (await client.getOptional(`/api/v1/namespaces/${billing}`)) === undefined, 90_000);
}
