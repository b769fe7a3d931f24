import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../kube/client.js';
import { KubeApiError } from '../../kube/errors.js';
import { compileK8sSchema } from './k8s-schema.js';
import { CrdValidator, validateWithServer, type CrdObject } from './validate-cr.js';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 10, exclusiveMaximum: true },
        port: { 'x-kubernetes-int-or-string': true },
        owner: { type: 'string', nullable: true },
        mode: { type: 'string', enum: ['a', 'b'] },
        timeout: { type: 'string', format: 'duration' },
        startAt: { type: 'string', format: 'date-time' },
        ratio: { type: 'number', format: 'double' },
        count: { type: 'integer', format: 'int64' },
        weird: { type: 'string', format: 'k8s-something-new' },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        name: { type: 'string', pattern: '(?i)^[a-z]+$' },
      },
      'x-kubernetes-validations': [{ rule: 'self.size > 0' }],
    },
  },
};

const crd: CrdObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { plural: 'widgets', kind: 'Widget' },
    scope: 'Namespaced',
    versions: [
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } },
      { name: 'v1alpha1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'string' } } } } },
    ],
  },
};

const widget = (spec: Record<string, unknown>, apiVersion = 'example.com/v1') => ({
  apiVersion,
  kind: 'Widget',
  metadata: { name: 'w1', namespace: 'shop', uid: 'x', managedFields: [] },
  spec,
});

describe('CrdValidator', () => {
  const validator = new CrdValidator(crd);

  it('accepts a valid object with Kubernetes extensions, unknown fields and unknown formats', () => {
    const r = validator.validate(
      widget({
        size: 3,
        port: 'http',
        owner: null,
        timeout: '1h30m',
        startAt: '2024-05-01T10:00:00Z',
        ratio: 0.5,
        count: 2,
        weird: 'anything',
        tags: ['a', 'b'],
        template: { apiVersion: 'v1', kind: 'Pod', spec: { x: 1 } },
        free: { any: { thing: [1] } },
        unknownField: 'pruned by the server, not rejected',
        name: 'ABC',
      }),
    );
    expect(r).toEqual({ version: 'v1', hasCel: true, issues: [] });
  });

  it('reports each violation by path without the value', () => {
    const r = validator.validate(
      widget({ size: 10, port: 1.5, mode: 'c', timeout: 'ten minutes please', startAt: 'yesterday', tags: ['a', 'a'], template: { kind: 'Pod' } }),
    );
    const paths = r.issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      ['/spec/mode', '/spec/port', '/spec/size', '/spec/startAt', '/spec/tags', '/spec/template', '/spec/timeout'].sort(),
    );
    expect(JSON.stringify(r.issues)).not.toContain('ten minutes please');
    expect(validator.validate(widget({})).issues).toEqual([{ path: '/spec', message: "must have required property 'size'" }]);
  });

  it('validates against the version in apiVersion and rejects versions the CRD lacks', () => {
    expect(validator.validate(widget({ size: 3 }, 'example.com/v1alpha1')).issues.map((i) => i.path)).toEqual(['/spec']);
    expect(validator.validate({ ...widget({ size: 3 }, 'example.com/v1alpha1'), spec: 'ok' }).issues).toEqual([]);
    expect(validator.validate(widget({ size: 3 }, 'example.com/v2')).issues[0]?.message).toMatch(/not a version of CRD widgets.example.com/);
    expect(validator.warnings('v1')).toEqual(['pattern at /spec/name uses syntax JavaScript cannot run: not checked']);
  });
});

describe('compileK8sSchema', () => {
  it('checks Go durations, int-or-string and nullable enums', () => {
    const s = compileK8sSchema({
      type: 'object',
      properties: { d: { type: 'string', format: 'duration' }, e: { type: 'string', enum: ['x'], nullable: true }, c: { type: 'string', format: 'cidr' } },
    });
    expect(s.validate({ d: '250ms', e: null, c: '10.0.0.0/8' })).toEqual([]);
    expect(s.validate({ d: '5 minutes' })).toEqual([]);
    expect(s.validate({ d: '5 fortnights', c: '10.0.0.0/33' }).map((i) => i.path)).toEqual(['/d', '/c']);
    expect(s.hasCel).toBe(false);
  });
});

describe('validateWithServer', () => {
  const calls: { path: string; body: Record<string, unknown> }[] = [];
  const fakeClient = (existing: boolean, reject?: string, status = 422) =>
    ({
      getOptional: async () => (existing ? {} : undefined),
      apply: async (path: string, body: Record<string, unknown>, opts: { dryRun?: boolean }) => {
        expect(opts.dryRun).toBe(true);
        calls.push({ path, body });
        if (reject) throw new KubeApiError('PATCH', path, status, status === 422 ? 'Invalid' : 'BadRequest', reject);
        return body;
      },
    }) as unknown as KubeClient;

  it('dry-runs an apply under the own name when the object does not exist, a probe name otherwise', async () => {
    const obj = { ...widget({ size: 3 }), status: { ok: true } };
    expect(await validateWithServer(fakeClient(false), obj, 'widgets')).toEqual({ valid: true });
    expect(calls[0]?.path).toBe('/apis/example.com/v1/namespaces/shop/widgets/w1');
    expect(calls[0]?.body).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { namespace: 'shop', name: 'w1' }, spec: { size: 3 } });
    await validateWithServer(fakeClient(true), obj, 'widgets');
    expect(calls[1]?.path).toMatch(/\/widgets\/w1-kdv-[0-9a-f]{6}$/);
  });

  it('returns the rejection message for an invalid object', async () => {
    const r = await validateWithServer(fakeClient(false, 'spec.size: Invalid value: must be > 0'), widget({ size: 0 }), 'widgets');
    expect(r.valid).toBe(false);
    expect(r.message).toContain('spec.size: Invalid value');
    const webhook = await validateWithServer(fakeClient(false, 'admission webhook "w.example.com" does not support dry run', 400), widget({ size: 1 }), 'widgets');
    expect(webhook).toMatchObject({ valid: true, unchecked: true });
    await expect(validateWithServer(fakeClient(false, 'boom', 500), widget({ size: 1 }), 'widgets')).rejects.toThrow(/500/);
  });
});
