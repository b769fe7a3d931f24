import { invalidOption } from './options.js';

const ID = 'mutate-crd';

/** A JSON Schema node of a CRD version (only the fields these mutations touch are typed). */
export interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  [keyword: string]: unknown;
}

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** One entry of a CRD's spec.versions. */
export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: SchemaNode };
  additionalPrinterColumns?: PrinterColumn[];
  [field: string]: unknown;
}

export type SchemaChange = 'add' | 'remove' | 'retype';

/** Checks a version can be dropped; a dropped storage version needs `newStorage` (another existing version). */
export function checkDropVersion(versions: readonly CrdVersion[], drop: string, newStorage: string | undefined): void {
  const target = versions.find((v) => v.name === drop);
  if (!target) throw invalidOption(ID, `the CRD has no version ${drop} (has ${versions.map((v) => v.name).join(', ')})`);
  if (versions.length === 1) throw invalidOption(ID, `${drop} is the CRD's only version`, 'a CRD needs one version: use delete-crds to remove the type');
  if (target.storage && !newStorage) {
    throw invalidOption(ID, `${drop} is the storage version`, 'set newStorageVersion to the version that stores objects from now on');
  }
  if (newStorage !== undefined && (newStorage === drop || !versions.some((v) => v.name === newStorage))) {
    throw invalidOption(ID, `newStorageVersion ${newStorage} must be another version of the CRD (${versions.map((v) => v.name).join(', ')})`);
  }
}

/** The versions with `storage` moved to `name` (and that version served). */
export function moveStorage(versions: readonly CrdVersion[], name: string): CrdVersion[] {
  return versions.map((v) => ({ ...v, storage: v.name === name, served: v.name === name ? true : v.served }));
}

/** Applies one schema change at a dotted property path (`spec.size`); returns a description like `spec.size integer → string`. */
export function changeSchema(root: SchemaNode, path: string, change: SchemaChange, type: string | undefined): string {
  const segments = path.split('.').filter(Boolean);
  if (!segments.length) throw invalidOption(ID, 'property must name a field below the root, e.g. spec.size');
  const leaf = segments.pop()!;
  const parent = segments.reduce<SchemaNode>((node, seg) => {
    const next = node.properties?.[seg];
    if (!next) throw invalidOption(ID, `the schema has no property ${segments.join('.')} (missing "${seg}")`);
    return next;
  }, root);
  const current = parent.properties?.[leaf];
  if (change === 'add') {
    if (current) throw invalidOption(ID, `property ${path} already exists`);
    parent.properties = { ...parent.properties, [leaf]: nodeOfType(type ?? 'string') };
    return `added ${path} (${type ?? 'string'})`;
  }
  if (!current) throw invalidOption(ID, `the schema has no property ${path}`);
  if (change === 'remove') {
    delete parent.properties![leaf];
    if (parent.required) parent.required = parent.required.filter((r) => r !== leaf);
    if (parent.required?.length === 0) delete parent.required;
    return `removed ${path}`;
  }
  const newType = type ?? (current.type === 'string' ? 'integer' : 'string');
  if (newType === current.type) throw invalidOption(ID, `property ${path} is already of type ${newType}`);
  parent.properties![leaf] = { ...(current.description ? { description: current.description } : {}), ...nodeOfType(newType) };
  return `${path} ${current.type ?? 'untyped'} → ${newType}`;
}

/** A minimal structural schema node of a type (arrays need items; objects keep unknown fields so old data stays). */
function nodeOfType(type: string): SchemaNode {
  if (type === 'array') return { type, items: { type: 'string' } };
  if (type === 'object') return { type, 'x-kubernetes-preserve-unknown-fields': true };
  return { type };
}

/** The columns a version shows after the change: `columns` when given, else none; throws when nothing would change. */
export function newPrinterColumns(version: CrdVersion, columns: PrinterColumn[] | undefined): PrinterColumn[] {
  const next = columns ?? [];
  const before = version.additionalPrinterColumns ?? [];
  if (JSON.stringify(before) === JSON.stringify(next)) {
    throw invalidOption(ID, `version ${version.name} already has ${next.length ? 'these printer columns' : 'no printer columns'}`, 'pass `columns` that differ from the current ones');
  }
  return next;
}

/** Versions selected by the `version` option: that one (it must exist), or every version. */
export function selectVersions(versions: readonly CrdVersion[], version: string | undefined): CrdVersion[] {
  if (version === undefined) return [...versions];
  const found = versions.filter((v) => v.name === version);
  if (!found.length) throw invalidOption(ID, `the CRD has no version ${version} (has ${versions.map((v) => v.name).join(', ')})`);
  return found;
}
