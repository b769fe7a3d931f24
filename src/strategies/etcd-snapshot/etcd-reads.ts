import type { EtcdAccess } from '../../providers/types.js';
import { execEtcdctl, runEtcdctl, tail, type EtcdTools } from './etcd-tools.js';
import { parseEndpointStatuses, parseMemberList, type ListedMember } from '../../kube/etcd-status.js';

/** One key (and value when asked) read from etcd. */
export interface EtcdKv {
  key: string;
  value?: Buffer;
  /** The revision that last wrote the key. */
  modRevision?: number;
}

/** Health and status of one etcd endpoint, as the check reports it (no values). */
export interface MemberState {
  endpoint: string;
  healthy: boolean;
  revision?: number;
  dbSizeBytes?: number;
  version?: string;
  hasLeader?: boolean;
  /** This member's id and the leader it follows, as hex (`member list` form). */
  memberId?: string;
  leaderId?: string;
  errors: string[];
}

/** The membership one endpoint reports (`member list`), or why it could not. */
export interface MembershipView {
  endpoint: string;
  members?: ListedMember[];
  error?: string;
}

interface RangeJson {
  header?: { revision?: number };
  kvs?: { key: string; value?: string; mod_revision?: number }[];
  more?: boolean;
}

/** Read access to one cluster's etcd through etcdctl. */
export class EtcdReader {
  constructor(
    private readonly tools: EtcdTools,
    readonly access: EtcdAccess,
  ) {}

  /** Every key under `prefix` at one revision (the current one, or `revision`), paged; values only when asked (they may be large). */
  async range(prefix: string, options: { values?: boolean; pageSize?: number; revision?: number } = {}): Promise<{ revision: number; kvs: EtcdKv[] }> {
    const pageSize = options.pageSize ?? 1000;
    const end = prefixEnd(prefix);
    const kvs: EtcdKv[] = [];
    let start = prefix;
    let revision: number | undefined = options.revision;
    for (;;) {
      const args = ['get', start, end, `--limit=${pageSize + (kvs.length ? 1 : 0)}`, '-w', 'json', ...(options.values ? [] : ['--keys-only']), ...(revision ? [`--rev=${revision}`] : [])];
      const page = JSON.parse(await runEtcdctl(this.tools, this.access, args)) as RangeJson;
      revision ??= page.header?.revision ?? 0;
      // Pages after the first start at the last key already read: drop it.
      const items = (page.kvs ?? []).slice(kvs.length ? 1 : 0);
      for (const kv of items) {
        kvs.push({ key: decode(kv.key).toString('utf8'), ...(options.values ? { value: decode(kv.value ?? '') } : {}), ...(kv.mod_revision ? { modRevision: kv.mod_revision } : {}) });
      }
      if (!page.more || items.length === 0) return { revision, kvs };
      start = kvs.at(-1)!.key;
    }
  }

  /** `endpoint health` and `endpoint status` of every endpoint. */
  async members(): Promise<MemberState[]> {
    return Promise.all(this.access.endpoints.map((endpoint) => this.member(endpoint)));
  }

  /** `endpoint hashkv --rev` of the first endpoint: the hash of the key space up to `revision`. */
  async hashKv(revision: number): Promise<{ hash: number; compactRevision: number }> {
    const [first] = await this.hashKvOf(revision, this.access.endpoints.slice(0, 1));
    return { hash: first?.hash ?? 0, compactRevision: first?.compactRevision ?? 0 };
  }

  /** `endpoint hashkv --rev` of every member at the same revision: equal on members that agree on history. */
  async memberHashes(revision: number): Promise<{ endpoint: string; hash?: number; compactRevision?: number; error?: string }[]> {
    return Promise.all(this.access.endpoints.map(async (endpoint) => {
      try {
        const [one] = await this.hashKvOf(revision, [endpoint]);
        return { endpoint, hash: one?.hash ?? 0, compactRevision: one?.compactRevision ?? 0 };
      } catch (error) {
        return { endpoint, error: tail(String((error as Error).message)) };
      }
    }));
  }

  private async hashKvOf(revision: number, endpoints: string[]): Promise<{ hash: number; compactRevision: number }[]> {
    const out = await runEtcdctl(this.tools, this.access, ['endpoint', 'hashkv', `--rev=${revision}`, '-w', 'json'], { endpoints });
    return (JSON.parse(out) as { HashKV?: { hash?: number; compact_revision?: number } }[]).map((h) => ({ hash: h.HashKV?.hash ?? 0, compactRevision: h.HashKV?.compact_revision ?? 0 }));
  }

  private async member(endpoint: string): Promise<MemberState> {
    const opts = { endpoints: [endpoint] };
    const health = await execEtcdctl(this.tools, this.access, ['endpoint', 'health', '-w', 'json'], opts);
    const healthy = parseJson<{ health?: boolean }[]>(health.stdout)?.[0]?.health === true;
    const errors = healthy ? [] : [`unhealthy: ${tail(health.stderr || health.stdout)}`];
    const status = await execEtcdctl(this.tools, this.access, ['endpoint', 'status', '-w', 'json'], opts);
    const parsed = safely(() => parseEndpointStatuses(status.stdout))?.[0];
    if (!parsed) return { endpoint, healthy, errors: [...errors, `no status: ${tail(status.stderr)}`] };
    errors.push(...parsed.errors);
    const hasLeader = parsed.leaderId !== '0';
    if (!hasLeader) errors.push('no leader');
    return { endpoint, healthy, revision: parsed.revision, dbSizeBytes: parsed.dbSizeBytes, version: parsed.version, hasLeader, memberId: parsed.memberId, leaderId: parsed.leaderId, errors };
  }

  /** `member list` as each endpoint sees it: members that agree on the cluster list the same ids. */
  async membership(): Promise<MembershipView[]> {
    return Promise.all(this.access.endpoints.map(async (endpoint) => {
      const out = await execEtcdctl(this.tools, this.access, ['member', 'list', '-w', 'simple'], { endpoints: [endpoint] });
      return out.exitCode === 0 ? { endpoint, members: parseMemberList(out.stdout) } : { endpoint, error: tail(out.stderr || out.stdout) };
    }));
  }
}

/** The smallest key after every key that starts with the (ASCII) `prefix`: etcd's range end for a prefix. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function decode(base64: string): Buffer {
  return Buffer.from(base64, 'base64');
}

function parseJson<T>(text: string): T | undefined {
  return safely(() => JSON.parse(text) as T);
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
