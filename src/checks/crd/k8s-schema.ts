import AjvDraft04 from 'ajv-draft-04';
import { K8S_FORMATS } from './k8s-formats.js';

type Schema = Record<string, unknown>;

/** One schema violation: the JSON pointer of the offending field and ajv's message (never the value). */
export interface SchemaIssue {
  path: string;
  message: string;
}

/** A CRD version's openAPIV3Schema compiled for ajv with Kubernetes semantics. */
export interface CompiledSchema {
  validate(obj: unknown): SchemaIssue[];
  /** The schema has CEL rules (x-kubernetes-validations) that only the apiserver can evaluate. */
  hasCel: boolean;
  /** Parts left out because ajv cannot check them as Kubernetes does (Go-only regex syntax). */
  warnings: string[];
}

interface RewriteState {
  hasCel: boolean;
  warnings: string[];
  formats: Set<string>;
}

/**
 * Compile a structural schema the way the apiserver applies it: int-or-string, nullable, embedded resources,
 * list-type set; unknown fields allowed (they are pruned, not rejected); unknown formats ignored.
 */
export function compileK8sSchema(schema: Schema): CompiledSchema {
  const state: RewriteState = { hasCel: false, warnings: [], formats: new Set() };
  const rewritten = rewrite(schema, state, '');
  // A CommonJS module: its default export is module.exports, whose `default` is the class again.
  const ajv = new AjvDraft04.default({ strict: false, allErrors: true, logger: false });
  for (const name of state.formats) {
    const test = K8S_FORMATS[name];
    ajv.addFormat(name, test ? { type: 'string', validate: test } : true);
  }
  const validate = ajv.compile(rewritten);
  return {
    hasCel: state.hasCel,
    warnings: state.warnings,
    validate(obj) {
      if (validate(obj)) return [];
      return (validate.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message ?? e.keyword }));
    },
  };
}

function rewrite(node: unknown, state: RewriteState, at: string): Schema {
  if (!node || typeof node !== 'object') return {};
  const out: Schema = {};
  const src = node as Schema;
  for (const [key, value] of Object.entries(src)) {
    if (key.startsWith('x-kubernetes-') || key === 'nullable' || key === 'default' || key === 'example') continue;
    out[key] = rewriteChild(key, value, state, at);
  }
  if (src['x-kubernetes-validations']) state.hasCel = true;
  if (src['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string'];
  if (src['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  if (src['x-kubernetes-embedded-resource'] === true) embed(out);
  if (src.nullable === true) allowNull(out);
  if (typeof out.format === 'string') state.formats.add(out.format);
  if (typeof out.pattern === 'string' && !isJsRegex(out.pattern)) {
    state.warnings.push(`pattern at ${at || '/'} uses syntax JavaScript cannot run: not checked`);
    delete out.pattern;
  }
  return out;
}

function rewriteChild(key: string, value: unknown, state: RewriteState, at: string): unknown {
  if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
    return Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, rewrite(v, state, `${at}/${k}`)]));
  }
  if (key === 'items' || key === 'additionalProperties' || key === 'not') {
    if (typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map((v, i) => rewrite(v, state, `${at}/${i}`));
    return rewrite(value, state, key === 'items' ? `${at}/*` : `${at}/{}`);
  }
  if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') return (value as unknown[]).map((v) => rewrite(v, state, at));
  return value;
}

function embed(out: Schema): void {
  // The apiserver requires apiVersion and kind in an embedded object, not metadata (objectmeta/validation.go).
  const required = new Set([...((out.required as string[]) ?? []), 'apiVersion', 'kind']);
  out.required = [...required];
  const props = (out.properties as Record<string, Schema>) ?? {};
  props.apiVersion = { ...props.apiVersion, type: 'string', minLength: 1 };
  props.kind = { ...props.kind, type: 'string', minLength: 1 };
  props.metadata = { ...props.metadata, type: 'object' };
  out.properties = props;
}

function allowNull(out: Schema): void {
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  else if (Array.isArray(out.type)) out.type = [...out.type, 'null'];
  if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
}

function isJsRegex(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}
