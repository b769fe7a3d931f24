import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crdCompat } from '../../src/checks/crd-compat.js';
import { validateWithServer } from '../../src/checks/crd/validate-cr.js';
import type { CheckOutcome } from '../../src/contracts/types.js';
import type { KubeObject } from '../../src/kube/types.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { makeTestContext, type TestContext } from '../support/context.js';
import { waitFor } from '../support/wait.js';
import { startConversionWebhook, type ConversionWebhook } from '../support/conversion-webhook.js';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com';
const WIDGETS = '/apis/example.com/v1/namespaces/shop/widgets';
const options = { crds: ['widgets.example.com'] };
const GADGET_CRD = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.conv.example.com';
const GADGETS = '/apis/conv.example.com/v1/namespaces/shop/gadgets';

/** Two served versions (v1 stored) converted by a webhook: by URL (the test's own server) or by a Service. */
function gadgetCrd(clientConfig: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.conv.example.com' },
    spec: {
      group: 'conv.example.com', scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      versions: ['v1alpha1', 'v1'].map((name) => ({ name, served: true, storage: name === 'v1', schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } })),
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig } },
    },
  };
}

interface Evidence {
  problems: { items: { crd: string; version?: string; part: string; detail: string }[] };
  invalidResources: { items: { object: string; by: string; message: string }[] };
  resources: Record<string, { baseline?: number; current: number; serverChecked: number }>;
  needs: string[];
}

interface Shape {
  versions?: string[];
  sizeMaximum?: number;
  celMinimum?: number;
  sizeColumnPath?: string;
}

function widgetCrd(shape: Shape = {}): KubeObject {
  const schema = (version: string) => ({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['size'],
        properties: { size: { type: 'integer', minimum: 1, maximum: version === 'v1' ? (shape.sizeMaximum ?? 10) : 100 }, colour: { type: 'string' } },
        ...(version === 'v1' ? { 'x-kubernetes-validations': [{ rule: `self.size >= ${shape.celMinimum ?? 1}`, message: 'size too small' }] } : {}),
      },
      status: { type: 'object', properties: { size: { type: 'integer' } } },
    },
  });
  const version = (name: string) => ({
    name,
    served: true,
    storage: name === 'v1',
    schema: { openAPIV3Schema: schema(name) },
    subresources: { status: {}, scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' } },
    additionalPrinterColumns: [
      { name: 'Size', type: 'integer', jsonPath: name === 'v1' ? (shape.sizeColumnPath ?? '.spec.size') : '.spec.size' },
      { name: 'Colour', type: 'string', jsonPath: '.spec.colour' },
    ],
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: (shape.versions ?? ['v1alpha1', 'v1']).map(version),
    },
  };
}

const widget = (name: string, size: number) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace: 'shop' }, spec: { size, colour: 'blue' } });

// A real control plane: a two-version CRD with subresources, columns and a CEL rule, its resources, and a Deployment
// that declares the versions its controller needs; then the CRD is replaced by broken revisions and put back.
describe('crd-compat against a real cluster', () => {
  let test: TestCluster;
  let ctx: TestContext;
  let baseline: unknown;
  let hook: ConversionWebhook;
  let gadgetBaseline: unknown;

  const verify = async (): Promise<{ outcome: CheckOutcome; evidence: Evidence }> => {
    const outcome = await crdCompat.verify(ctx, options, baseline);
    return { outcome, evidence: outcome.evidence as unknown as Evidence };
  };
  const established = async () => {
    const crd = await test.client.get<KubeObject>(CRD_PATH);
    const conditions = ((crd.status as { conditions?: { type: string; status: string }[] }).conditions ?? []);
    return conditions.some((c) => c.type === 'Established' && c.status === 'True');
  };
  /** Replace the CRD spec (PUT), as a restore of another CRD revision would. */
  const putCrd = async (shape: Shape) => {
    const current = await test.client.get<KubeObject>(CRD_PATH);
    await test.client.replace(CRD_PATH, { ...widgetCrd(shape), metadata: { name: 'widgets.example.com', resourceVersion: current.metadata.resourceVersion } });
    await waitFor(established);
  };
  const parts = (e: Evidence) => e.problems.items.map((p) => `${p.part}:${p.version ?? ''}`);

  beforeAll(async () => {
    test = await startTestCluster({ name: 'crd-compat' });
    ctx = await makeTestContext({ cluster: test.cluster, client: test.client });
    await test.client.apply('/api/v1/namespaces/shop', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
    await test.client.apply(CRD_PATH, widgetCrd());
    await waitFor(established);
    await waitFor(async () => (await test.client.getOptional(`${WIDGETS}`)) !== undefined);
    for (const [name, size] of [['w1', 2], ['w2', 3], ['w3', 5]] as const) await test.client.apply(`${WIDGETS}/${name}`, widget(name, size));
    await test.client.apply('/apis/apps/v1/namespaces/shop/deployments/widget-operator', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'widget-operator', namespace: 'shop', annotations: { 'kdrill.dev/needs-crd-versions': 'example.com/v1alpha1,example.com/v1' } },
      spec: {
        selector: { matchLabels: { app: 'widget-operator' } },
        template: { metadata: { labels: { app: 'widget-operator' } }, spec: { containers: [{ name: 'op', image: 'example.com/widget-operator:1.0' }] } },
      },
    });
    baseline = await crdCompat.baseline!(ctx, options);
  });

  afterAll(async () => {
    await test?.client.delete(GADGET_CRD).catch(() => false);
    await hook?.close();
    await ctx?.cleanup();
    await test?.destroy();
  });

  it('passes on the unchanged CRD, validating every resource (CEL rules by server dry-run)', async () => {
    const { outcome, evidence } = await verify();
    expect(outcome.status, outcome.summary).toBe('passed');
    expect(outcome.summary).toBe('1 CRD(s) compatible; 3 custom resources valid and counted as at baseline, read at every served version');
    expect(evidence.resources['widgets.example.com']).toEqual({ baseline: 3, current: 3, serverChecked: 3, convertedTo: { v1alpha1: 3 } });
    expect(evidence.needs).toEqual(['Deployment shop/widget-operator: example.com v1alpha1,v1']);
    // The dry runs stored nothing.
    expect((await test.client.listAll(WIDGETS)).items.map((w) => w.metadata.name)).toEqual(['w1', 'w2', 'w3']);
  });

  it('fails naming v1alpha1 when the CRD comes back without it, and passes once it is back', async () => {
    await putCrd({ versions: ['v1'] });
    const { outcome, evidence } = await verify();
    expect(outcome.status).toBe('failed');
    expect(parts(evidence)).toEqual(['served:v1alpha1', 'served:v1alpha1']);
    expect(evidence.problems.items.map((p) => p.detail)).toEqual([
      'version v1alpha1 was served at baseline and is missing now',
      'version v1alpha1 needed by Deployment shop/widget-operator is missing',
    ]);
    expect(outcome.recommendation).toContain(
      'the backup is missing CRD version v1alpha1 that Deployment shop/widget-operator needs: include all versions in the backup / upgrade the controller',
    );
    await putCrd({});
    expect((await verify()).outcome.status).toBe('passed');
  });

  it('fails naming the printer column that changed', async () => {
    await putCrd({ sizeColumnPath: '.status.size' });
    const { outcome, evidence } = await verify();
    expect(outcome.status).toBe('failed');
    expect(evidence.problems.items).toEqual([
      { crd: 'widgets.example.com', version: 'v1', part: 'printerColumns', detail: 'printer columns of v1: column "Size" jsonPath: ".spec.size" → ".status.size"' },
    ]);
    await putCrd({});
  });

  it('fails when a stricter schema no longer fits the stored resources, by ajv and by the apiserver', async () => {
    await putCrd({ sizeMaximum: 4, celMinimum: 3 });
    const { outcome, evidence } = await verify();
    expect(outcome.status).toBe('failed');
    expect(parts(evidence)).toEqual(['schema:v1', 'resources:v1']);
    expect(evidence.problems.items[0]!.detail).toBe(
      'schema of v1 differs at properties.spec.properties.size.maximum, properties.spec.x-kubernetes-validations.0.rule',
    );
    // w3 (size 5) breaks the maximum (ajv); w1 (size 2) passes ajv but breaks the CEL rule (only the apiserver knows).
    const invalid = evidence.invalidResources.items.map((i) => `${i.object} ${i.by}`);
    expect(invalid).toEqual(['example.com/Widget/shop/w1 server', 'example.com/Widget/shop/w3 schema']);
    expect(evidence.invalidResources.items[0]!.message).toContain('size too small');
    await putCrd({});
  });

  it('fails on a lost custom resource, and validateWithServer rejects an invalid new one', async () => {
    await test.client.delete(`${WIDGETS}/w2`);
    const { outcome, evidence } = await verify();
    expect(parts(evidence)).toEqual(['count:']);
    expect(outcome.summary).toContain('2 custom resources, baseline had 3');
    expect(await validateWithServer(test.client, widget('w9', 0) as KubeObject)).toMatchObject({ valid: false });
    expect(await validateWithServer(test.client, widget('w9', 4) as KubeObject)).toEqual({ valid: true });
    expect(await test.client.getOptional(`${WIDGETS}/w9`)).toBeUndefined();
    await test.client.apply(`${WIDGETS}/w2`, widget('w2', 3));
    expect((await verify()).outcome.status).toBe('passed');
  });

  it('reads custom resources through the conversion webhook at every served version, and fails naming the version when conversion fails', async () => {
    hook = await startConversionWebhook();
    await test.client.apply(GADGET_CRD, gadgetCrd({ url: hook.url, caBundle: hook.caBundle }));
    await waitFor(async () => (await test.client.getOptional(`${GADGETS}`)) !== undefined);
    for (const name of ['g1', 'g2']) await test.client.apply(`${GADGETS}/${name}`, { apiVersion: 'conv.example.com/v1', kind: 'Gadget', metadata: { name, namespace: 'shop' }, spec: { size: 1 } });
    const gadgets = { crds: ['gadgets.conv.example.com'] };
    gadgetBaseline = await crdCompat.baseline!(ctx, gadgets);
    const before = hook.requests;
    const passed = await crdCompat.verify(ctx, gadgets, gadgetBaseline);
    expect(passed.status, passed.summary).toBe('passed');
    expect((passed.evidence as unknown as Evidence).resources['gadgets.conv.example.com']).toMatchObject({ current: 2, convertedTo: { v1alpha1: 2 } });
    expect(hook.requests).toBeGreaterThan(before);

    hook.failing = true;
    const failed = await crdCompat.verify(ctx, gadgets, gadgetBaseline);
    hook.failing = false;
    expect(failed.status).toBe('failed');
    const problem = (failed.evidence as unknown as Evidence).problems.items[0]!;
    expect([problem.part, problem.version]).toEqual(['conversion', 'v1alpha1']);
    expect(problem.detail).toMatch(/^custom resources cannot be read or written at v1alpha1 \(converted from v1\): .*conversion webhook .*test webhook refuses to convert/);
  });

  it('fails naming the CRD and the conversion webhook Service when the restored CRD points at a Service that does not exist', async () => {
    await test.client.apply(GADGET_CRD, gadgetCrd({ service: { namespace: 'ops', name: 'gadget-conversion', path: '/convert' }, caBundle: hook.caBundle }));
    await waitFor(async () => ((await test.client.get<{ spec: { conversion: { webhook: { clientConfig: { url?: string } } } } }>(GADGET_CRD)).spec.conversion.webhook.clientConfig.url === undefined));
    const outcome = await crdCompat.verify(ctx, { crds: ['gadgets.conv.example.com'] }, gadgetBaseline);
    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toContain('first: gadgets.conv.example.com: conversion webhook Service ops/gadget-conversion does not exist: custom resources cannot be converted between v1alpha1, v1');
    const details = (outcome.evidence as unknown as Evidence).problems.items.map((p) => p.detail);
    expect(details).toContain(`conversion changed from Webhook (url ${hook.url}) to Webhook (service ops/gadget-conversion:443/convert)`);
    expect(details.some((d) => /cannot be read or written at v1alpha1 .*service "gadget-conversion" not found/.test(d))).toBe(true);
  });
});
