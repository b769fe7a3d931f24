import { differingPaths } from '../checks/crd/describe-changes.js';
import { normalizeObject } from '../checks/normalize.js';
import { digestSecret, type SecretDigest } from '../checks/secrets/digests.js';
import type { KubeObject } from '../kube/types.js';

/** One Secret that differs from the backup: names only, never a value (values are compared as keyed hashes). */
export interface SecretDrift {
  name: string;
  change: 'missing' | 'extra' | 'changed';
  /** Data keys missing, added, or holding another value than in the backup. */
  keys?: { missing: string[]; added: string[]; changed: string[] };
  /** Other fields that differ (type, labels, annotations, immutable), as paths. */
  fields?: string[];
}

/** Secrets of the backup against the live ones, each value reduced to an HMAC under `runKey` (a key that never leaves memory). */
export function compareSecrets(backup: readonly KubeObject[], live: readonly KubeObject[], runKey: Buffer): { compared: number; drift: SecretDrift[] } {
  const byName = (list: readonly KubeObject[]) => new Map(list.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  const then = byName(backup);
  const now = byName(live);
  const drift: SecretDrift[] = [];
  for (const [name, before] of [...then].sort(([a], [b]) => a.localeCompare(b))) {
    const after = now.get(name);
    if (!after) {
      drift.push({ name, change: 'missing' });
      continue;
    }
    const keys = compareKeys(digestSecret(before, runKey), digestSecret(after, runKey));
    const fields = differingPaths(withoutData(before), withoutData(after));
    if (keys || fields.length) drift.push({ name, change: 'changed', ...(keys ? { keys } : {}), ...(fields.length ? { fields } : {}) });
  }
  for (const [name, secret] of now) {
    if (then.has(name)) continue;
    digestSecret(secret, runKey); // registers its values as sensitive, like every Secret read
    drift.push({ name, change: 'extra' });
  }
  drift.sort((a, b) => a.name.localeCompare(b.name));
  return { compared: then.size, drift };
}

function compareKeys(before: SecretDigest, after: SecretDigest): SecretDrift['keys'] | undefined {
  const keys = {
    missing: Object.keys(before.keys).filter((k) => !(k in after.keys)).sort(),
    added: Object.keys(after.keys).filter((k) => !(k in before.keys)).sort(),
    changed: Object.keys(before.keys).filter((k) => k in after.keys && after.keys[k] !== before.keys[k]).sort(),
  };
  return keys.missing.length || keys.added.length || keys.changed.length ? keys : undefined;
}

function withoutData(secret: KubeObject): KubeObject {
  const { data: _data, stringData: _stringData, ...rest } = secret;
  // last-applied-configuration holds the values in plaintext: normalizeObject drops it with the server's fields.
  return normalizeObject(rest as KubeObject);
}
