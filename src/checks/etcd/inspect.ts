import type { KubeClient } from '../../kube/client.js';
import { countedResources, listCounts, readSecrets, spreadSample } from './api-side.js';
import { tallyAtRest, type AtRestTally } from './at-rest.js';
import type { EtcdReader, MemberState } from '../../strategies/etcd-snapshot/etcd-reads.js';
import { countKeys, diffKeys, secretName, stableKeys } from './key-set.js';
import { compareValues, divergingMembers, type ValueFindings } from './values.js';
import { judgeMembership, type MembershipFindings } from './membership.js';
import type { KeyDigests } from '../../strategies/etcd-snapshot/key-digests.js';

/** What the check compares against, captured before the backup. */
export interface EtcdBaseline {
  format: 'etcd-consistency/v1';
  /** Fingerprint of the run's hash key: Secret fingerprints from another run cannot be compared. */
  maskKeyId: string;
  /** Set when the baseline cluster had no etcd access. */
  skipped?: string;
  root: string;
  revision: number;
  /** Stable keys relative to `root`, sorted. */
  keys: string[];
  /** `ns/name` → keyed fingerprint of type and data. */
  secrets: Record<string, string>;
}

/** Settings of one inspection (the check's options with defaults). */
export interface InspectSettings {
  root: string;
  excludePrefixes: string[];
  customResources: boolean;
  secretSample: number;
  /** Revision of the snapshot this run restored, if any. */
  snapshotRevision: number | undefined;
  /** The values the restored snapshot held (etcd-snapshot backups record them), to compare value by value. */
  snapshotDigests?: KeyDigests;
  hashKey: Buffer;
}

/** Everything the check found; the outcome decides what fails. */
export interface Findings {
  members: MemberState[];
  /** Member lists and leaders as each member reports them (several members only). */
  membership: MembershipFindings;
  hashKv: { revision: number; hashes: number[]; stable: boolean; error?: string };
  /** hashkv of every member at the same revision, and the members that disagree with the majority. */
  memberHashes: { revision: number; members: { endpoint: string; hash?: number; error?: string }[]; diverging: ReturnType<typeof divergingMembers> };
  values?: ValueFindings;
  revision: { current: number; snapshot?: number; behind: boolean };
  keys?: { baseline: number; current: number; missing: string[]; extra: string[] };
  atRest: AtRestTally;
  counts: { resource: string; etcdKeys: number; listed?: number; error?: string }[];
  secretsRead: { sampled: number; readable: number; unreadable: { secret: string; error: string }[]; changed: string[] };
  /** Set when the apiserver did not answer: the API-side comparisons (counts, Secret reads) were not made. */
  apiError?: string;
}

/** Read etcd and the apiserver side by side and collect every fact the check judges. */
export async function inspect(reader: EtcdReader, client: KubeClient, base: EtcdBaseline | undefined, s: InspectSettings): Promise<Findings> {
  const members = await reader.members();
  const membership = judgeMembership(members, await reader.membership());
  const { revision, kvs } = await reader.range(s.root);
  const relative = kvs.map((kv) => kv.key.slice(s.root.length));
  const hashKv = await stableHash(reader, revision);
  const hashes = await reader.memberHashes(revision);
  const memberHashes = { revision, members: hashes, diverging: divergingMembers(hashes) };
  const values = s.snapshotDigests ? compareValues(s.snapshotDigests, (await reader.range(s.root, { values: true })).kvs, s.excludePrefixes) : undefined;
  const current = stableKeys(kvs.map((kv) => kv.key), s.root, s.excludePrefixes);
  const keys = base ? { baseline: base.keys.length, current: current.length, ...diffKeys(base.keys, current) } : undefined;
  const atRest = tallyAtRest((await reader.range(`${s.root}secrets/`, { values: true })).kvs, s.root);
  const sample = spreadSample(relative.filter((k) => k.startsWith('secrets/')).map(secretName), s.secretSample);
  let counts: Findings['counts'] = [];
  let read: Omit<Findings['secretsRead'], 'sampled'> = { readable: 0, unreadable: [], changed: [] };
  let apiError: string | undefined;
  try {
    counts = await compareCounts(reader, client, relative, s);
    read = await readSecrets(client, sample, base?.secrets, s.hashKey);
  } catch (error) {
    // etcd's own findings stand without the apiserver (a restore can leave it down): report that it did not answer.
    apiError = (error as Error).message.split('\n')[0]!.slice(0, 300);
  }
  return {
    members,
    membership,
    hashKv,
    memberHashes,
    ...(values ? { values } : {}),
    revision: { current: revision, snapshot: s.snapshotRevision, behind: s.snapshotRevision !== undefined && revision < s.snapshotRevision },
    ...(keys ? { keys } : {}),
    atRest,
    counts,
    secretsRead: { sampled: sample.length, ...read },
    ...(apiError ? { apiError } : {}),
  };
}

/**
 * hashkv at one revision, twice: a member whose stored history changes under a fixed revision is corrupt. A member
 * that cannot hash that revision at all (compacted, or a future one) is left to the per-member comparison.
 */
async function stableHash(reader: EtcdReader, revision: number): Promise<Findings['hashKv']> {
  try {
    return await hashTwice(reader, revision);
  } catch (error) {
    return { revision, hashes: [], stable: true, error: (error as Error).message.split('\n')[0]! };
  }
}

async function hashTwice(reader: EtcdReader, revision: number): Promise<Findings['hashKv']> {
  for (let attempt = 0; ; attempt++) {
    const a = await reader.hashKv(revision);
    const b = await reader.hashKv(revision);
    // A compaction between the two reads changes the hashed range legitimately: read again once.
    if (a.hash === b.hash || a.compactRevision === b.compactRevision || attempt > 0) {
      return { revision, hashes: [a.hash, b.hash], stable: a.hash === b.hash };
    }
  }
}

/** etcd key counts against LIST counts; a mismatch is re-read once (a controller may have been mid-write). */
async function compareCounts(reader: EtcdReader, client: KubeClient, relative: string[], s: InspectSettings): Promise<Findings['counts']> {
  const resources = await countedResources(client, s.customResources);
  let keyCounts = countKeys(relative, resources.map((r) => r.keyPrefix));
  let listed = await listCounts(client, resources);
  const off = () => resources.filter((r) => listed.get(r.id)?.listed !== keyCounts.get(r.keyPrefix));
  if (off().length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const again = await reader.range(s.root);
    keyCounts = countKeys(again.kvs.map((kv) => kv.key.slice(s.root.length)), resources.map((r) => r.keyPrefix));
    listed = await listCounts(client, resources);
  }
  return resources.map((r) => ({ resource: r.id, etcdKeys: keyCounts.get(r.keyPrefix) ?? 0, ...listed.get(r.id) }));
}
