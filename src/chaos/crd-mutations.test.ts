import { describe, expect, it } from 'vitest';
import { changeSchema, checkDropVersion, moveStorage, newPrinterColumns, selectVersions, type CrdVersion, type SchemaNode } from './crd-mutations.js';
import { checkModeOptions } from './mutate-crd.js';

const versions = (): CrdVersion[] => [
  { name: 'v1alpha1', served: true, storage: false },
  { name: 'v1', served: true, storage: true, additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }] },
];
const schema = (): SchemaNode => ({
  type: 'object',
  properties: { spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', description: 'how big', minimum: 1 }, color: { type: 'string' } } } },
});

describe('drop-version planning', () => {
  it('allows dropping a non-storage version and refuses the storage one without a new storage version', () => {
    expect(() => checkDropVersion(versions(), 'v1alpha1', undefined)).not.toThrow();
    expect(() => checkDropVersion(versions(), 'v1', undefined)).toThrow('v1 is the storage version');
    expect(() => checkDropVersion(versions(), 'v1', 'v1alpha1')).not.toThrow();
    expect(() => checkDropVersion(versions(), 'v2', undefined)).toThrow('has no version v2 (has v1alpha1, v1)');
    expect(() => checkDropVersion([versions()[1]!], 'v1', undefined)).toThrow("only version");
    expect(() => checkDropVersion(versions(), 'v1', 'v1')).toThrow('newStorageVersion v1 must be another version');
  });

  it('moves the storage flag and serves the new storage version', () => {
    const moved = moveStorage([{ ...versions()[0]!, served: false }, versions()[1]!], 'v1alpha1');
    expect(moved.map((v) => [v.name, v.storage, v.served])).toEqual([['v1alpha1', true, true], ['v1', false, true]]);
  });
});

describe('schema changes', () => {
  it('adds, removes (and un-requires) and retypes properties', () => {
    const s = schema();
    expect(changeSchema(s, 'spec.shape', 'add', 'array')).toBe('added spec.shape (array)');
    expect(s.properties!.spec!.properties!.shape).toEqual({ type: 'array', items: { type: 'string' } });
    expect(changeSchema(s, 'spec.size', 'retype', undefined)).toBe('spec.size integer → string');
    expect(s.properties!.spec!.properties!.size).toEqual({ description: 'how big', type: 'string' });
    expect(changeSchema(s, 'spec.size', 'remove', undefined)).toBe('removed spec.size');
    expect(s.properties!.spec!.required).toBeUndefined();
    expect(Object.keys(s.properties!.spec!.properties!)).toEqual(['color', 'shape']);
  });

  it('refuses changes that would change nothing or point nowhere', () => {
    expect(() => changeSchema(schema(), 'spec.color', 'add', 'string')).toThrow('property spec.color already exists');
    expect(() => changeSchema(schema(), 'spec.nope', 'remove', undefined)).toThrow('has no property spec.nope');
    expect(() => changeSchema(schema(), 'status.ready', 'add', 'boolean')).toThrow('has no property status (missing "status")');
    expect(() => changeSchema(schema(), 'spec.color', 'retype', 'string')).toThrow('already of type string');
  });
});

describe('printer columns and version selection', () => {
  it('replaces or clears columns, refusing a no-op', () => {
    const [alpha, v1] = versions();
    expect(newPrinterColumns(v1!, undefined)).toEqual([]);
    expect(() => newPrinterColumns(alpha!, undefined)).toThrow('already has no printer columns');
    expect(() => newPrinterColumns(v1!, v1!.additionalPrinterColumns)).toThrow('already has these printer columns');
  });

  it('selects one version or all', () => {
    expect(selectVersions(versions(), undefined)).toHaveLength(2);
    expect(selectVersions(versions(), 'v1').map((v) => v.name)).toEqual(['v1']);
    expect(() => selectVersions(versions(), 'v3')).toThrow('no version v3');
  });
});

describe('mutate-crd mode options', () => {
  it('requires what each mode needs and refuses what it does not use', () => {
    expect(() => checkModeOptions({ name: 'w', mode: 'drop-version', version: 'v1alpha1' })).not.toThrow();
    expect(() => checkModeOptions({ name: 'w', mode: 'drop-version' })).toThrow('mode drop-version needs version');
    expect(() => checkModeOptions({ name: 'w', mode: 'change-schema', property: 'spec.a' })).toThrow('needs property and change');
    expect(() => checkModeOptions({ name: 'w', mode: 'change-printer-columns', property: 'spec.a' })).toThrow('mode change-printer-columns does not use property');
    expect(() => checkModeOptions({ name: 'w', mode: 'change-schema', property: 'spec.a', change: 'remove', type: 'string' })).toThrow('change remove does not use type');
  });
});
