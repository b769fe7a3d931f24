import type { ErrorObject } from 'ajv';
import type { Segment } from './positions.js';
import { DNS_LABEL_PATTERN, DURATION_PATTERN } from './schema.js';
import { closest, suggestionHint } from './suggest.js';

/** A problem not yet placed in a file: a path from the document root and whether to point at the key or the value. */
export interface RawProblem {
  path: Segment[];
  message: string;
  hint?: string;
  at: 'key' | 'value';
}

/** Turns ajv errors (allErrors + verbose) into readable problems; `prefix` is where `data` sits in the document. */
export function problemsFromAjv(errors: readonly ErrorObject[], data: unknown, prefix: readonly Segment[] = []): RawProblem[] {
  // Errors inside a failed anyOf/oneOf are noise: the union error itself says what was allowed.
  const unions = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const kept = errors.filter((e) => !unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`)));
  return kept.map((error) => {
    const path = [...prefix, ...pointerToSegments(error.instancePath, data)];
    return convert(error, path);
  });
}

function convert(error: ErrorObject, path: Segment[]): RawProblem {
  const params = error.params as Record<string, unknown>;
  const value: unknown = error.data;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema?.properties as object | undefined) ?? {});
      const hint = known.length ? suggestionHint(name, known, 'known fields') : undefined;
      return { path: [...path, name], at: 'key', message: `unknown field "${name}"`, hint };
    }
    case 'required': {
      const name = String(params.missingProperty);
      const field = (error.parentSchema?.properties as Record<string, { description?: string }> | undefined)?.[name];
      return { path: [...path, name], at: 'value', message: `missing required field "${name}"`, hint: field?.description };
    }
    case 'type':
      return { path, at: 'value', message: `expected ${article(String(params.type))}, got ${describe(value)}` };
    case 'const':
      return oneOf(path, [params.allowedValue], value);
    case 'enum':
      return oneOf(path, params.allowedValues as unknown[], value);
    case 'anyOf':
    case 'oneOf':
      return union(path, error, value);
    case 'pattern':
      return pattern(path, String(params.pattern), value);
    case 'minItems':
    case 'maxItems': {
      const limit = Number(params.limit);
      const bound = error.keyword === 'minItems' ? 'at least' : 'at most';
      const count = Array.isArray(value) ? value.length : 0;
      return { path, at: 'value', message: `must have ${bound} ${limit} item${limit === 1 ? '' : 's'} (got ${count})` };
    }
    default:
      return { path, at: 'value', message: `${error.message ?? error.keyword} (got ${describe(value)})` };
  }
}

function oneOf(path: Segment[], allowed: unknown[], value: unknown): RawProblem {
  const shown = allowed.map((v) => JSON.stringify(v));
  const message = allowed.length === 1 ? `must be ${shown[0]}, got ${describe(value)}` : `must be one of ${shown.join(', ')}; got ${describe(value)}`;
  const strings = allowed.filter((v): v is string => typeof v === 'string');
  const guess = typeof value === 'string' ? closest(value, strings) : undefined;
  return { path, at: 'value', message, hint: guess === undefined ? undefined : `did you mean "${guess}"?` };
}

function union(path: Segment[], error: ErrorObject, value: unknown): RawProblem {
  const branches = (Array.isArray(error.schema) ? error.schema : []) as Record<string, unknown>[];
  if (branches.length > 0 && branches.every((b) => 'const' in b)) return oneOf(path, branches.map((b) => b.const), value);
  const constants = branches.filter((b) => 'const' in b);
  const objects = branches.filter((b) => b.type === 'object' && typeof b.properties === 'object');
  // e.g. restore.target: "same" | "fresh" | {provider, options}: name the words and the object's fields.
  if (constants.length > 0 && constants.length + objects.length === branches.length && typeof value !== 'object') {
    const words = oneOf(path, constants.map((b) => b.const), value);
    const shapes = objects.map((b) => `{${Object.keys(b.properties as object).join(', ')}}`).join(' or ');
    return { ...words, message: `${words.message.replace(/; got .*$/, '')} or an object ${shapes}; got ${describe(value)}` };
  }
  if (branches.length > 0 && branches.every((b) => Object.keys(b).length === 1 && typeof b.type === 'string')) {
    return { path, at: 'value', message: `expected ${branches.map((b) => article(String(b.type))).join(' or ')}, got ${describe(value)}` };
  }
  return { path, at: 'value', message: `matches none of the allowed forms (got ${describe(value)})` };
}

function pattern(path: Segment[], regex: string, value: unknown): RawProblem {
  if (regex === DURATION_PATTERN) {
    const hint = 'write a number followed by h, m, s or ms, e.g. 30s, 5m, 1h30m, 250ms';
    return { path, at: 'value', message: `invalid duration ${describe(value)}`, hint };
  }
  if (regex === DNS_LABEL_PATTERN) {
    return {
      path,
      at: 'value',
      message: `invalid name ${describe(value)}`,
      hint: 'use lowercase letters, digits and "-", starting and ending with a letter or digit (a DNS label)',
    };
  }
  return { path, at: 'value', message: `${describe(value)} does not match the pattern /${regex}/` };
}

function pointerToSegments(pointer: string, data: unknown): Segment[] {
  if (pointer === '') return [];
  const segments: Segment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

const WORDS: Record<string, string> = { object: 'a mapping', array: 'a list', integer: 'an integer', null: 'null' };

function article(type: string): string {
  return WORDS[type] ?? `a ${type}`;
}

/** A value as a user would recognise it in YAML: `the string "abc"`, `a list`, `null`, `3`. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 57)}...` : value}"`;
  return `${typeof value} ${String(value)}`;
}
