import { createHash } from 'node:crypto';
import type { KubeClient } from '../../kube/client.js';
import { ResourceMapper } from '../../kube/discovery.js';
import { KubeApiError } from '../../kube/errors.js';
import { objectPath, splitApiVersion } from '../../kube/paths.js';
import type { KubeObject } from '../../kube/types.js';
import { compileK8sSchema, type CompiledSchema, type SchemaIssue } from './k8s-schema.js';

/** The parts of a CustomResourceDefinition this module reads. */
export interface CrdObject extends KubeObject {
  spec: {
    group: string;
    names: { plural: string; kind: string };
    scope: 'Namespaced' | 'Cluster';
    versions: { name: string; served: boolean; storage: boolean; schema?: { openAPIV3Schema?: Record<string, unknown> } }[];
    [field: string]: unknown;
  };
}

/** The result of validating one custom resource against its version's schema. */
export interface CrValidation {
  version: string;
  issues: SchemaIssue[];
  /** The version has CEL rules ajv cannot evaluate: use validateWithServer for a complete answer. */
  hasCel: boolean;
}

/** Compiled schemas of one CRD, one per version (compiled on first use). */
export class CrdValidator {
  private readonly compiled = new Map<string, CompiledSchema>();

  constructor(readonly crd: CrdObject) {}

  /** Validate `obj` against the schema of the version in its apiVersion; a version the CRD lacks is an issue. */
  validate(obj: unknown): CrValidation {
    const apiVersion = String((obj as KubeObject | undefined)?.apiVersion ?? '');
    const { group, version } = splitApiVersion(apiVersion);
    if (group !== this.crd.spec.group || !this.crd.spec.versions.some((v) => v.name === version)) {
      return { version, hasCel: false, issues: [{ path: '/apiVersion', message: `${apiVersion} is not a version of CRD ${this.crd.metadata.name}` }] };
    }
    const schema = this.schemaFor(version);
    return { version, hasCel: schema.hasCel, issues: schema.validate(obj) };
  }

  /** Warnings from compiling the given version's schema (parts ajv could not check). */
  warnings(version: string): string[] {
    return this.spec(version) ? this.schemaFor(version).warnings : [];
  }

  private spec(version: string) {
    return this.crd.spec.versions.find((v) => v.name === version);
  }

  private schemaFor(version: string): CompiledSchema {
    let compiled = this.compiled.get(version);
    if (!compiled) {
      // A version without a schema (only possible in old CRDs) accepts anything, as the apiserver does.
      compiled = compileK8sSchema(this.spec(version)?.schema?.openAPIV3Schema ?? {});
      this.compiled.set(version, compiled);
    }
    return compiled;
  }
}

/** What the apiserver said about an object in a dry run. */
export interface ServerValidation {
  valid: boolean;
  /** The Status message of a rejection (field paths and rule messages; the apiserver does not echo Secret data). */
  message?: string;
  /** The server could not judge (an admission webhook without dry-run support): `valid` says nothing then. */
  unchecked?: boolean;
}

/**
 * Ask the apiserver to validate `obj` (schema, CEL rules, admission): server-side apply with dryRun=All and
 * fieldValidation=Strict; nothing is stored. An object that already exists is applied under a probe name, because
 * validation ratcheting (GA in 1.33) skips unchanged fields on update and would pass an invalid object.
 * `resource` is the plural name; without it discovery finds it.
 */
export async function validateWithServer(client: KubeClient, obj: KubeObject, resource?: string): Promise<ServerValidation> {
  const plural = resource ?? (await ResourceMapper.load(client)).lookup(obj.apiVersion, obj.kind)?.name;
  if (!plural) return { valid: false, message: `the server does not serve ${obj.kind} in ${obj.apiVersion}` };
  const meta = obj.metadata;
  const path = (name: string) => objectPath(obj.apiVersion, plural, name, meta.namespace);
  const exists = (await client.getOptional(path(meta.name))) !== undefined;
  const name = exists ? probeName(meta.name) : meta.name;
  const body = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: pick(meta, ['namespace', 'labels', 'annotations', 'finalizers']),
    ...withoutKeys(obj, ['apiVersion', 'kind', 'metadata', 'status']),
  };
  (body.metadata as Record<string, unknown>).name = name;
  try {
    await client.apply(path(name), body, { dryRun: true });
    return { valid: true };
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
    if (/does not support dry run/i.test(error.message)) return { valid: true, unchecked: true, message: error.message };
    // 404: the namespace or the resource's version is not there, so the object could not be stored either.
    if (error.status === 422 || error.status === 400 || error.status === 404) return { valid: false, message: error.message };
    throw error;
  }
}

function probeName(name: string): string {
  const suffix = `-kdv-${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
  return `${name.slice(0, 63 - suffix.length).replace(/[-.]+$/, '')}${suffix}`;
}

function pick(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));
}

function withoutKeys(obj: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
}
