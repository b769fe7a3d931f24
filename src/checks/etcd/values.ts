import { digestOf, type KeyDigests } from '../../strategies/etcd-snapshot/key-digests.js';
import type { EtcdKv } from '../../strategies/etcd-snapshot/etcd-reads.js';
import { stableKeys } from './key-set.js';

/** The restored key space against the values the snapshot held (key names only in the findings, never values). */
export interface ValueFindings {
  snapshotRevision: number;
  /** Stable keys of the snapshot compared. */
  compared: number;
  equal: number;
  /** Keys whose value differs although nothing wrote them since the restore: the restore did not bring the snapshot back. */
  changed: string[];
  /** Keys written again after the restore (a controller at work): their new values are not the snapshot's business. */
  rewritten: number;
  /** Snapshot keys absent now (deleted after the restore, or never restored). */
  missing: string[];
}

/**
 * Compare each stable key of the snapshot with the restored etcd. A key still at a revision up to the snapshot's was
 * restored and never written since, so its value must be byte-identical (an etcd restore keeps values and
 * mod revisions; --bump-revision only moves later writes up).
 */
export function compareValues(snapshot: KeyDigests, current: readonly EtcdKv[], excludePrefixes: readonly string[] = []): ValueFindings {
  const now = new Map(current.map((kv) => [kv.key, kv]));
  const keys = stableKeys(Object.keys(snapshot.digests), snapshot.root, excludePrefixes);
  const out: ValueFindings = { snapshotRevision: snapshot.revision, compared: keys.length, equal: 0, changed: [], rewritten: 0, missing: [] };
  for (const key of keys) {
    const kv = now.get(snapshot.root + key);
    if (!kv) {
      out.missing.push(key);
      continue;
    }
    if ((kv.modRevision ?? 0) > snapshot.revision) {
      out.rewritten++;
      continue;
    }
    if (digestOf(kv.value ?? Buffer.alloc(0)) === snapshot.digests[snapshot.root + key]) out.equal++;
    else out.changed.push(key);
  }
  return out;
}

/** Members whose hashkv at one revision differs from the majority's: they hold another history. */
export function divergingMembers(hashes: readonly { endpoint: string; hash?: number; error?: string }[]): { endpoint: string; hash?: number; majority?: number; error?: string }[] {
  const counts = new Map<number, number>();
  for (const h of hashes) if (h.hash !== undefined) counts.set(h.hash, (counts.get(h.hash) ?? 0) + 1);
  const majority = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  return hashes
    .filter((h) => h.error !== undefined || h.hash !== majority)
    .map((h) => ({ endpoint: h.endpoint, ...(h.hash !== undefined ? { hash: h.hash } : {}), ...(majority !== undefined ? { majority } : {}), ...(h.error ? { error: h.error } : {}) }));
}
