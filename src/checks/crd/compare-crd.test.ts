import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/types.js';
import { compareCrd, lostStoredVersions } from './compare-crd.js';
import { describeColumnChanges, differingPaths } from './describe-changes.js';
import { fingerprintCrd, stableHash } from './fingerprint.js';
import { mergeNeeds, needApplies, needsFromControllers, needsFromDeployments } from './needs.js';
import type { CrdObject } from './validate-cr.js';
import { makeTestCertificate } from '../secrets/test-certs.js';

const schema = (max: number) => ({ type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer', maximum: max } } } } });
const columns = [
  { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

function makeCrd(edit: (crd: CrdObject) => void = () => {}): CrdObject {
  const crd: CrdObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { plural: 'widgets', kind: 'Widget' },
      scope: 'Namespaced',
      versions: [
        { name: 'v1alpha1', served: true, storage: false, schema: { openAPIV3Schema: schema(5) } },
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema(10) },
          subresources: { status: {}, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } },
          additionalPrinterColumns: structuredClone(columns),
        } as CrdObject['spec']['versions'][number],
      ],
    },
    status: {
      storedVersions: ['v1'],
      conditions: [
        { type: 'Established', status: 'True' },
        { type: 'NamesAccepted', status: 'True' },
      ],
    },
  };
  edit(crd);
  return crd;
}
const v1 = (crd: CrdObject) => crd.spec.versions.find((v) => v.name === 'v1') as Record<string, unknown> & { schema: { openAPIV3Schema: unknown } };
const base = fingerprintCrd(makeCrd());
const parts = (problems: ReturnType<typeof compareCrd>) => problems.map((p) => `${p.part}:${p.version ?? ''}`);

describe('compareCrd', () => {
  it('finds nothing when the CRD is unchanged', () => {
    expect(compareCrd('widgets.example.com', base, makeCrd(), [])).toEqual([]);
  });

  it('names a served version that disappeared', () => {
    const problems = compareCrd('widgets.example.com', base, makeCrd((c) => c.spec.versions.shift()), []);
    expect(parts(problems)).toEqual(['served:v1alpha1']);
    expect(problems[0]?.detail).toBe('version v1alpha1 was served at baseline and is missing now');
  });

  it('names the controller that needs a version and its storage version', () => {
    const needs = needsFromControllers([{ name: 'widget-operator', version: '1.4', needs: [{ group: 'example.com', versions: ['v1beta1'], storageVersion: 'v1beta1' }] }]);
    const problems = compareCrd('widgets.example.com', base, makeCrd(), needs);
    expect(parts(problems)).toEqual(['served:v1beta1', 'storage:v1beta1']);
    expect(problems[0]?.recommendation).toBe(
      'the backup is missing CRD version v1beta1 that controller widget-operator 1.4 needs: include all versions in the backup / upgrade the controller',
    );
  });

  it('says which printer column, schema path and subresource changed', () => {
    const changed = makeCrd((c) => {
      (v1(c).additionalPrinterColumns as { jsonPath: string }[])[0]!.jsonPath = '.spec.replicas';
      v1(c).schema.openAPIV3Schema = schema(20);
      v1(c).subresources = { status: {} };
    });
    const problems = compareCrd('widgets.example.com', base, changed, []);
    expect(parts(problems)).toEqual(['schema:v1', 'subresources:v1', 'printerColumns:v1']);
    expect(problems[0]?.detail).toBe('schema of v1 differs at properties.spec.properties.size.maximum');
    expect(problems[1]?.detail).toBe('subresources of v1 differ at scale removed');
    expect(problems[2]?.detail).toBe('printer columns of v1: column "Size" jsonPath: ".spec.size" → ".spec.replicas"');
  });

  it('checks storage, storedVersions, conversion and conditions', () => {
    const broken = makeCrd((c) => {
      c.spec.versions[0]!.storage = true;
      (c.status as Record<string, unknown>).storedVersions = ['v1', 'v0'];
      c.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: { service: { namespace: 'ops', name: 'conv' } } } };
      (c.status as { conditions: { status: string }[] }).conditions[1]!.status = 'False';
    });
    const problems = compareCrd('widgets.example.com', base, broken, []);
    expect(parts(problems)).toEqual(['storage:', 'storedVersions:v0', 'conversion:', 'conversion:', 'conditions:']);
    expect(problems[2]?.detail).toBe('conversion webhook (service ops/conv:443) has no caBundle');
    expect(problems[3]?.detail).toBe('conversion changed from None to Webhook (service ops/conv:443)');
    expect(problems[4]?.detail).toBe('condition NamesAccepted is False');
  });

  it('names changed names, scope and a newly served version, and reports storedVersions that shrank', () => {
    const changed = makeCrd((c) => {
      Object.assign(c.spec.names, { singular: 'gizmo', shortNames: ['wd'] });
      c.spec.scope = 'Cluster';
      c.spec.versions.push({ name: 'v2', served: true, storage: false });
      (c.status as Record<string, unknown>).storedVersions = [];
    });
    const before = fingerprintCrd(makeCrd((c) => ((c.status as Record<string, unknown>).storedVersions = ['v1alpha1', 'v1'])));
    const problems = compareCrd('widgets.example.com', before, changed, []);
    expect(parts(problems)).toEqual(['served:v2', 'names:', 'names:', 'scope:']);
    expect(problems.map((p) => p.detail)).toEqual([
      'version v2 is served now and was not at baseline',
      'names.singular changed from "" to "gizmo"',
      'names.shortNames changed from [] to ["wd"]',
      'scope changed from Namespaced to Cluster: every custom resource is addressed differently',
    ]);
    // A shrunken storedVersions is reported (a warning): a re-created CRD legitimately starts it afresh.
    expect(lostStoredVersions(before, changed)).toMatch(/^status.storedVersions lost v1alpha1, v1 \(baseline: v1alpha1, v1; now: none\)/);
    expect(lostStoredVersions(before, makeCrd((c) => ((c.status as Record<string, unknown>).storedVersions = ['v1alpha1', 'v1'])))).toBeUndefined();
  });

  it('compares the conversion caBundle by certificate (subject, expiry) and a url endpoint by its value', async () => {
    const day = 86_400_000;
    const now = Date.parse('2026-12-01T00:00:00Z');
    const good = await makeTestCertificate('conv.ops.svc', now - day, now + 30 * day);
    const other = await makeTestCertificate('conv.ops.svc', now - day, now + 60 * day);
    const expired = await makeTestCertificate('old-ca', now - 30 * day, now - day);
    const webhook = (url: string, pem?: string) => makeCrd((c) => {
      c.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: { url, ...(pem ? { caBundle: Buffer.from(pem).toString('base64') } : {}) } } };
    });
    const before = fingerprintCrd(webhook('https://conv.example.com/convert', good.cert));
    expect(before.conversion).toMatchObject({ endpoint: 'url https://conv.example.com/convert', caBundle: { certificates: [{ subject: 'CN=conv.ops.svc' }] } });
    expect(compareCrd('widgets.example.com', before, webhook('https://conv.example.com/convert', good.cert), [], now)).toEqual([]);
    const swapped = compareCrd('widgets.example.com', before, webhook('https://evil.example.net/convert', other.cert), [], now).map((p) => p.detail);
    expect(swapped[0]).toBe('conversion changed from Webhook (url https://conv.example.com/convert) to Webhook (url https://evil.example.net/convert)');
    expect(swapped[1]).toMatch(/^conversion webhook caBundle changed from CN=conv.ops.svc \(until 2026-12-31T00:00:00.000Z\) to CN=conv.ops.svc \(until 2027-01-30T00:00:00.000Z\)$/);
    const stale = compareCrd('widgets.example.com', before, webhook('https://conv.example.com/convert', expired.cert), [], now).map((p) => p.detail);
    expect(stale[0]).toBe('conversion webhook caBundle certificate CN=old-ca expired on 2026-11-30T00:00:00.000Z');
    const junk = compareCrd('widgets.example.com', before, webhook('https://conv.example.com/convert', 'not a certificate'), [], now).map((p) => p.detail);
    expect(junk).toEqual(['conversion webhook caBundle holds no PEM certificate']);
  });

  it('reports a CRD that does not exist', () => {
    expect(parts(compareCrd('widgets.example.com', base, undefined, []))).toEqual(['crd:']);
  });
});

describe('fingerprint helpers', () => {
  it('hashes independently of key order and records the storage version', () => {
    expect(stableHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(stableHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(stableHash([1, 2])).not.toBe(stableHash([2, 1]));
    expect(base.storageVersion).toBe('v1');
    expect(Object.keys(base.versions)).toEqual(['v1alpha1', 'v1']);
  });

  it('describes column and path changes', () => {
    expect(describeColumnChanges(columns, [columns[0]!, { name: 'Phase', type: 'string', jsonPath: '.status.phase' }])).toEqual([
      'column "Age" removed',
      'column "Phase" added',
    ]);
    expect(describeColumnChanges(columns, [columns[1]!, columns[0]!])).toEqual(['columns reordered']);
    expect(differingPaths({ a: { b: 1 }, c: 1 }, { a: { b: 2 }, d: 1 })).toEqual(['a.b', 'c removed', 'd added']);
    expect(differingPaths({ x: [1, 2, 3, 4, 5, 6, 7] }, { x: [0, 0, 0, 0, 0, 0, 0] }, 3)).toEqual(['x.0', 'x.1', 'x.2', '… and more']);
  });
});

describe('needs', () => {
  const deployment = (name: string, value?: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'ops', ...(value !== undefined ? { annotations: { 'kdrill.dev/needs-crd-versions': value } } : {}) },
  });

  it('reads the Deployment annotation grouped by API group and flags malformed entries', () => {
    const r = needsFromDeployments([deployment('op', 'example.com/v1, example.com/v1beta1,other.io/v2'), deployment('plain'), deployment('bad', 'v1,example.com/')]);
    expect(r.needs).toEqual([
      { source: 'Deployment ops/op', group: 'example.com', versions: ['v1', 'v1beta1'] },
      { source: 'Deployment ops/op', group: 'other.io', versions: ['v2'] },
    ]);
    expect(r.malformed).toEqual(['Deployment ops/bad: "v1" is not group/version', 'Deployment ops/bad: "example.com/" is not group/version']);
  });

  it('merges duplicates and matches by group and optional kind', () => {
    const a = { source: 's', group: 'g', versions: ['v2', 'v1'] };
    expect(mergeNeeds([a], [{ ...a, versions: ['v1', 'v2'] }])).toHaveLength(1);
    expect(needApplies(a, 'g', 'Any')).toBe(true);
    expect(needApplies({ ...a, kind: 'Widget' }, 'g', 'Gadget')).toBe(false);
  });
});
