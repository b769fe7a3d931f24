import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../kube/types.js';

/**
 * Drift the backup owns, read from the live object's managedFields: a field that another field manager set, that the
 * restore's body does not have, is drift (an added label, container command, Secret key) and is removed. Server
 * defaults and allocated values (owned by no manager) and kdrill's own fields are never drift. Fields the restore
 * leaves to the cluster on purpose (the backup has them, sanitizing stripped them: a Deployment's revision, a token
 * Secret's token) and finalizers or owner references someone added are kept, and said so.
 */
export interface FieldDrift {
  /** Fields to remove, as JSON pointers into the live object, with the manager that set them. */
  revert: OwnedField[];
  /** Fields another manager set that the restore keeps, and why. */
  kept: (OwnedField & { why: string })[];
}

export interface OwnedField {
  /** Dotted, readable: `metadata.labels.team`, `spec.template.spec.containers[name=app].command`. */
  path: string;
  /** RFC 6901 pointer into the live object, for a JSON patch `remove`. */
  pointer: string;
  manager: string;
}

interface ManagedEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: FieldSet;
}

type FieldSet = { [key: string]: FieldSet };

/** Why a field the backup has, but the restore's body leaves out, is kept. */
export const LEFT_TO_CLUSTER = 'left to the cluster: the backup has it, the restore does not set it';

/** Metadata lists a restore never shortens: a finalizer or owner another party added guards that party's cleanup. */
const KEPT_METADATA: Record<string, string> = {
  finalizers: 'a finalizer someone added is never removed by a restore',
  ownerReferences: 'an owner reference someone added is never removed by a restore',
};

/** The drift of `live` against the apply body `desired`; `original` is the backed-up object before sanitizing. */
export function fieldDrift(live: KubeObject, desired: KubeObject, original: KubeObject | undefined, ownManager: string): FieldDrift {
  const drift: FieldDrift = { revert: [], kept: [] };
  const seen = new Set<string>();
  for (const entry of (live.metadata.managedFields ?? []) as ManagedEntry[]) {
    if (!entry.fieldsV1 || entry.manager === ownManager || entry.subresource) continue;
    const manager = entry.manager ?? '(unnamed)';
    for (const [key, sub] of Object.entries(entry.fieldsV1)) {
      // Status belongs to controllers (custom resource status goes through /status, compared separately).
      if (key === 'f:status' || key === 'f:apiVersion' || key === 'f:kind') continue;
      walk(sub, { live, desired }, [key], (field) => {
        if (seen.has(field.pointer)) return;
        seen.add(field.pointer);
        const why = keptReason(field.segments, original);
        const owned = { path: field.path, pointer: field.pointer, manager };
        if (why) drift.kept.push({ ...owned, why });
        else drift.revert.push(owned);
      });
    }
  }
  // Removing array elements from the highest index down keeps the lower indices valid in one JSON patch.
  drift.revert.sort((a, b) => comparePointers(b.pointer, a.pointer));
  return drift;
}

interface Roots {
  live: unknown;
  desired: unknown;
}

interface Found {
  segments: string[];
  path: string;
  pointer: string;
}

/** Walks one manager's field set; reports the highest owned node present in `live` and absent from `desired`. */
function walk(set: FieldSet, roots: Roots, segments: string[], report: (f: Found) => void): void {
  const liveAt = locate(roots.live, segments);
  if (!liveAt) return; // stale ownership of a field that is gone
  if (locate(roots.desired, segments) === undefined) {
    const children = Object.keys(set).filter((k) => k !== '.');
    const isElement = !segments[segments.length - 1]!.startsWith('f:');
    // A map whose keys are owned one by one (labels, data): remove only this manager's keys, not the whole map.
    if (children.length > 0 && !isElement) {
      for (const child of children) walk(set[child]!, roots, [...segments, child], report);
      return;
    }
    report({ segments, path: readablePath(segments), pointer: liveAt.pointer });
    return;
  }
  for (const child of Object.keys(set)) {
    if (child !== '.') walk(set[child]!, roots, [...segments, child], report);
  }
}

/** Where a field path points in an object: the value and its JSON pointer; undefined when absent. */
export function locate(root: unknown, segments: readonly string[]): { value: unknown; pointer: string } | undefined {
  let node = root;
  let pointer = '';
  for (const segment of segments) {
    const step = child(node, segment);
    if (!step) return undefined;
    node = step.value;
    pointer += `/${String(step.key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
  }
  return { value: node, pointer };
}

function child(node: unknown, segment: string): { key: string | number; value: unknown } | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const kind = segment.slice(0, 2);
  const rest = segment.slice(2);
  if (kind === 'f:') {
    if (Array.isArray(node) || !(rest in node)) return undefined;
    const value = (node as Record<string, unknown>)[rest];
    return value === undefined || value === null ? undefined : { key: rest, value };
  }
  if (!Array.isArray(node)) return undefined;
  let index = -1;
  if (kind === 'k:') {
    const keys = JSON.parse(rest) as Record<string, unknown>;
    index = node.findIndex((el) => el && typeof el === 'object' && Object.entries(keys).every(([k, v]) => isDeepStrictEqual((el as Record<string, unknown>)[k], v)));
  } else if (kind === 'v:') {
    const value = JSON.parse(rest) as unknown;
    index = node.findIndex((el) => isDeepStrictEqual(el, value));
  } else if (kind === 'i:') {
    index = Number(rest) < node.length ? Number(rest) : -1;
  }
  return index < 0 ? undefined : { key: index, value: node[index] };
}

function keptReason(segments: string[], original: unknown): string | undefined {
  if (segments[0] === 'f:metadata' && segments[1]) {
    const why = KEPT_METADATA[segments[1].slice(2)];
    if (why) return why;
  }
  if (original !== undefined && locate(original, segments)) return LEFT_TO_CLUSTER;
  return undefined;
}

/** `metadata.labels.team`, `spec.containers[name=app].command`, `metadata.finalizers[example.com/x]`. */
export function readablePath(segments: readonly string[]): string {
  return segments
    .map((s) => {
      const rest = s.slice(2);
      if (s.startsWith('f:')) return `.${rest}`;
      if (s.startsWith('k:')) return `[${Object.entries(JSON.parse(rest) as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(',')}]`;
      if (s.startsWith('v:')) return `[${String(JSON.parse(rest))}]`;
      return `[${rest}]`;
    })
    .join('')
    .replace(/^\./, '');
}

/** Orders pointers so that a longer index on the same parent sorts after a shorter one (numeric, not lexical). */
function comparePointers(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const na = Number(pa[i]);
    const nb = Number(pb[i]);
    if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
    return pa[i]! < pb[i]! ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** The JSON patch that removes `fields` from the object at `resourceVersion` (refused by the server if it changed since). */
export function removalPatch(fields: readonly OwnedField[], resourceVersion: string | undefined): unknown[] {
  const test = resourceVersion ? [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersion }] : [];
  return [...test, ...fields.map((f) => ({ op: 'remove', path: f.pointer }))];
}
