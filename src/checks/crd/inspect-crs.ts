import type { KubeClient } from '../../kube/client.js';
import { isNotFound } from '../../kube/errors.js';
import { collectionPath } from '../../kube/paths.js';
import type { KubeObject } from '../../kube/types.js';
import { objectKey } from '../normalize.js';
import { CrdValidator, validateWithServer, type CrdObject } from './validate-cr.js';

/** When to ask the apiserver (dry-run apply) besides ajv: never, for versions with CEL rules, or always. */
export type ServerValidationMode = 'never' | 'cel' | 'always';

/** A custom resource that does not validate, by field path; never the value. */
export interface InvalidCr {
  object: string;
  version: string;
  path?: string;
  message: string;
  by: 'schema' | 'server';
}

export interface CrInspection {
  /** The version the resources were read at (the storage version when served). */
  version: string | undefined;
  count: number;
  invalid: InvalidCr[];
  serverChecked: number;
  warnings: string[];
  /** Every other served version: how many objects it listed (the apiserver converts each), or why it could not. */
  otherVersions: { version: string; count?: number; error?: string }[];
}

/** The version to read a CRD's resources at: its storage version when served, else the first served one. */
export function readVersion(crd: CrdObject): string | undefined {
  const storage = crd.spec.versions.find((v) => v.storage && v.served);
  return (storage ?? crd.spec.versions.find((v) => v.served))?.name;
}

/** List every custom resource of a CRD (all namespaces), returning the list; an unserved CRD lists nothing. */
export async function listCustomResources(client: KubeClient, crd: CrdObject): Promise<{ version: string | undefined; items: KubeObject[] }> {
  const version = readVersion(crd);
  if (!version) return { version, items: [] };
  try {
    const list = await client.listAll(collectionPath(`${crd.spec.group}/${version}`, crd.spec.names.plural));
    return { version, items: list.items };
  } catch (error) {
    // A CRD that is not established yet answers 404 for its resources.
    if (isNotFound(error)) return { version, items: [] };
    throw error;
  }
}

/**
 * Count a CRD's resources and validate each against its version's schema (and the apiserver when asked), then list
 * them at every other served version: each such LIST converts every object (through the conversion webhook, if any),
 * and the objects are validated against that version's schema too.
 */
export async function inspectCustomResources(
  client: KubeClient,
  crd: CrdObject,
  options: { server: ServerValidationMode; maxServerChecks: number },
): Promise<CrInspection> {
  const { version, items } = await listCustomResources(client, crd);
  const validator = new CrdValidator(crd);
  const result: CrInspection = { version, count: items.length, invalid: [], serverChecked: 0, warnings: version ? validator.warnings(version) : [], otherVersions: [] };
  for (const item of items) {
    const obj = { ...item, apiVersion: `${crd.spec.group}/${version}`, kind: crd.spec.names.kind };
    const checked = validator.validate(obj);
    for (const issue of checked.issues) {
      result.invalid.push({ object: objectKey(obj), version: checked.version, path: issue.path, message: issue.message, by: 'schema' });
    }
    const wantServer = options.server === 'always' || (options.server === 'cel' && checked.hasCel);
    if (wantServer && checked.issues.length === 0 && result.serverChecked < options.maxServerChecks) {
      result.serverChecked++;
      const verdict = await validateWithServer(client, obj, crd.spec.names.plural);
      if (verdict.unchecked) result.warnings.push(`${objectKey(obj)}: the apiserver could not dry-run it (${verdict.message})`);
      if (!verdict.valid) result.invalid.push({ object: objectKey(obj), version: checked.version, message: verdict.message ?? 'rejected', by: 'server' });
    }
  }
  if (options.server !== 'never' && result.serverChecked >= options.maxServerChecks && items.length > result.serverChecked) {
    result.warnings.push(`only ${result.serverChecked} of ${items.length} resources were checked by the apiserver (maxServerChecks)`);
  }
  for (const other of crd.spec.versions.filter((v) => v.served && v.name !== version)) {
    result.otherVersions.push(await listAtVersion(client, crd, other.name, validator, result.invalid));
  }
  return result;
}

async function listAtVersion(client: KubeClient, crd: CrdObject, version: string, validator: CrdValidator, invalid: InvalidCr[]) {
  let items: KubeObject[];
  try {
    items = (await client.listAll(collectionPath(`${crd.spec.group}/${version}`, crd.spec.names.plural))).items;
  } catch (error) {
    return { version, error: (error as Error).message.replace(/^[A-Z]+ \S+: /, '') };
  }
  for (const item of items) {
    const obj = { ...item, apiVersion: `${crd.spec.group}/${version}`, kind: crd.spec.names.kind };
    for (const issue of validator.validate(obj).issues) invalid.push({ object: objectKey(obj), version, path: issue.path, message: issue.message, by: 'schema' });
  }
  // A LIST may come from the watch cache, converted when the objects were written; a dry-run write at this version
  // converts now (to the storage version and back), so a conversion that broke since is seen.
  const sample = items[0];
  if (sample) {
    try {
      await validateWithServer(client, { ...sample, apiVersion: `${crd.spec.group}/${version}`, kind: crd.spec.names.kind }, crd.spec.names.plural);
    } catch (error) {
      return { version, count: items.length, error: (error as Error).message.replace(/^[A-Z]+ \S+: /, '') };
    }
  }
  return { version, count: items.length };
}
