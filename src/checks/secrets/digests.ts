import type { KubeObject } from '../../kube/types.js';
import { registerSensitive } from '../../core/redact.js';
import { keyedHash } from './hash.js';

/** A Secret without its values: type and, per data key, a keyed hash. */
export interface SecretDigest {
  namespace: string;
  name: string;
  type: string;
  keys: Record<string, string>;
}

/** How restored Secrets differ from the baseline, by `ns/name` and `ns/name key`: names only, never values. */
export interface SecretComparison {
  compared: number;
  missingSecrets: string[];
  missingKeys: string[];
  addedKeys: string[];
  changedKeys: string[];
}

const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
// The token controller writes these in every service-account token Secret (restores strip them): not the backup's to keep.
const CONTROLLER_KEYS = new Set(['token', 'ca.crt', 'namespace']);

/** Hash every data value under `runKey`, registering each value as sensitive first. */
export function digestSecret(secret: KubeObject, runKey: Buffer): SecretDigest {
  const type = typeof secret.type === 'string' ? secret.type : 'Opaque';
  const data = (secret.data ?? {}) as Record<string, string>;
  const keys: Record<string, string> = {};
  registerSecretValues(secret);
  for (const [key, encoded] of Object.entries(data)) {
    if (type === SA_TOKEN_TYPE && CONTROLLER_KEYS.has(key)) continue;
    keys[key] = keyedHash(runKey, Buffer.from(encoded ?? '', 'base64'));
  }
  return { namespace: secret.metadata.namespace ?? '', name: secret.metadata.name, type, keys };
}

/** Register every data value of a Secret (decoded and base64) as sensitive: call it as soon as a Secret is read. */
export function registerSecretValues(secret: KubeObject): void {
  for (const encoded of Object.values((secret.data ?? {}) as Record<string, string>)) {
    if (!encoded) continue;
    registerSensitive(encoded);
    registerSensitive(Buffer.from(encoded, 'base64'));
  }
}

/** Every baseline Secret must be present with the same keys and the same hashes; extra Secrets are not compared. */
export function compareDigests(baseline: readonly SecretDigest[], restored: readonly SecretDigest[]): SecretComparison {
  const byId = new Map(restored.map((d) => [`${d.namespace}/${d.name}`, d]));
  const out: SecretComparison = { compared: baseline.length, missingSecrets: [], missingKeys: [], addedKeys: [], changedKeys: [] };
  for (const before of baseline) {
    const id = `${before.namespace}/${before.name}`;
    const after = byId.get(id);
    if (!after) {
      out.missingSecrets.push(id);
      continue;
    }
    for (const [key, hash] of Object.entries(before.keys)) {
      const now = after.keys[key];
      if (now === undefined) out.missingKeys.push(`${id} key ${key}`);
      else if (now !== hash) out.changedKeys.push(`${id} key ${key}`);
    }
    for (const key of Object.keys(after.keys)) if (!(key in before.keys)) out.addedKeys.push(`${id} key ${key}`);
  }
  return out;
}
