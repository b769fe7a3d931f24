import { createHash } from 'node:crypto';
import type { EtcdReader } from './etcd-reads.js';

/** Artifact (sealed) with the sha256 of every value under /registry/ at the snapshot's revision. */
export const KEY_DIGESTS_ARTIFACT = 'etcd/key-digests.json';

/** What etcd held at the snapshot's revision, one digest per key: the restore must bring back exactly these values. */
export interface KeyDigests {
  format: 1;
  revision: number;
  root: string;
  /** key → sha256 (hex) of its value bytes. */
  digests: Record<string, string>;
}

/**
 * Reads every value under `root` at `revision` (right after the snapshot was saved, so etcd still has that revision)
 * and keeps only their digests. Undefined when etcd no longer serves that revision (compacted in between).
 */
export async function readKeyDigests(reader: EtcdReader, revision: number, root = '/registry/'): Promise<KeyDigests | undefined> {
  try {
    const { kvs } = await reader.range(root, { values: true, revision });
    const digests: Record<string, string> = {};
    for (const kv of kvs) digests[kv.key] = digestOf(kv.value ?? Buffer.alloc(0));
    return { format: 1, revision, root, digests };
  } catch {
    return undefined;
  }
}

export function digestOf(value: Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}
