import type { EtcdKv } from '../../strategies/etcd-snapshot/etcd-reads.js';
import { secretName } from './key-set.js';

/** How Secret values are stored in etcd: per encryption provider and key name, and which Secrets are plaintext. */
export interface AtRestTally {
  secrets: number;
  encrypted: number;
  /** `secretbox:v1:key1` → count: provider, format version and key name from the `k8s:enc:` prefix. */
  providers: Record<string, number>;
  /** `ns/name` of Secrets stored without the `k8s:enc:` prefix. */
  plaintext: string[];
}

const ENCRYPTED = Buffer.from('k8s:enc:');

/** Tallies the at-rest form of Secret values read from etcd (keys relative to `root`); values are only prefix-matched. */
export function tallyAtRest(kvs: readonly EtcdKv[], root: string): AtRestTally {
  const tally: AtRestTally = { secrets: 0, encrypted: 0, providers: {}, plaintext: [] };
  for (const { key, value } of kvs) {
    tally.secrets++;
    if (value && value.subarray(0, ENCRYPTED.length).equals(ENCRYPTED)) {
      tally.encrypted++;
      const label = providerLabel(value);
      tally.providers[label] = (tally.providers[label] ?? 0) + 1;
    } else {
      tally.plaintext.push(secretName(key.slice(root.length)));
    }
  }
  tally.plaintext.sort();
  return tally;
}

/** `k8s:enc:<provider>:<version>:<key name>:` → `<provider>:<version>:<key name>` (printable ASCII only, at most 80 chars). */
function providerLabel(value: Buffer): string {
  const head = value.subarray(ENCRYPTED.length, ENCRYPTED.length + 120).toString('latin1');
  const parts = head.split(':').slice(0, 3);
  const label = parts.join(':');
  return /^[\x20-\x7e]{1,80}$/.test(label) && parts.length === 3 ? label : 'unrecognised';
}
