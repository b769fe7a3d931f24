import type { EtcdAccess } from '../../providers/types.js';
import { execEtcdctl, runEtcdctl, tail, type EtcdTools } from '../../strategies/etcd-snapshot/etcd-tools.js';

/** One key (and value when asked) read from etcd. */
export interface EtcdKv {
  key: string;
  value?: Buffer;
}

/** Health and status of one etcd endpoint, as the check reports it (no values). */
export interface MemberState {
  endpoint: string;
  healthy: boolean;
  revision?: number;
  dbSizeBytes?: number;
  version?: string;
  hasLeader?: boolean;
  errors: string[];
}

interface RangeJson {
  header?: { revision?: number };
  kvs?: { key: string; value?: string }[];
  more?: boolean;
}

/** Read access to one cluster's etcd through etcdctl. */
export class EtcdReader {
  constructor(
    private readonly tools: EtcdTools,
    readonly access: EtcdAccess,
  ) {}

  /** Every key under `prefix` at one revision, paged; values only when asked (they may be large). */
  async range(prefix: string, options: { values?: boolean; pageSize?: number } = {}): Promise<{ revision: number; kvs: EtcdKv[] }> {
    const pageSize = options.pageSize ?? 1000;
    const end = prefixEnd(prefix);
    const kvs: EtcdKv[] = [];
    let start = prefix;
    let revision: number | undefined;
    for (;;) {
      const args = ['get', start, end, `--limit=${pageSize + (kvs.length ? 1 : 0)}`, '-w', 'json', ...(options.values ? [] : ['--keys-only']), ...(revision ? [`--rev=${revision}`] : [])];
      const page = JSON.parse(await runEtcdctl(this.tools, this.access, args)) as RangeJson;
      revision ??= page.header?.revision ?? 0;
      // Pages after the first start at the last key already read: drop it.
      const items = (page.kvs ?? []).slice(kvs.length ? 1 : 0);
      for (const kv of items) kvs.push({ key: decode(kv.key).toString('utf8'), ...(options.values ? { value: decode(kv.value ?? '') } : {}) });
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
    const out = await runEtcdctl(this.tools, this.access, ['endpoint', 'hashkv', `--rev=${revision}`, '-w', 'json'], { endpoints: this.access.endpoints.slice(0, 1) });
    const [first] = JSON.parse(out) as { HashKV?: { hash?: number; compact_revision?: number } }[];
    return { hash: first?.HashKV?.hash ?? 0, compactRevision: first?.HashKV?.compact_revision ?? 0 };
  }

  private async member(endpoint: string): Promise<MemberState> {
    const opts = { endpoints: [endpoint] };
    const health = await execEtcdctl(this.tools, this.access, ['endpoint', 'health', '-w', 'json'], opts);
    const healthy = parseJson<{ health?: boolean }[]>(health.stdout)?.[0]?.health === true;
    const errors = healthy ? [] : [`unhealthy: ${tail(health.stderr || health.stdout)}`];
    const status = await execEtcdctl(this.tools, this.access, ['endpoint', 'status', '-w', 'json'], opts);
    const parsed = parseJson<{ Status?: StatusJson }[]>(status.stdout)?.[0]?.Status;
    if (!parsed) return { endpoint, healthy, errors: [...errors, `no status: ${tail(status.stderr)}`] };
    errors.push(...(parsed.errors ?? []));
    const hasLeader = Boolean(parsed.leader);
    if (!hasLeader) errors.push('no leader');
    return { endpoint, healthy, revision: parsed.header?.revision, dbSizeBytes: parsed.dbSize, version: parsed.version, hasLeader, errors };
  }
}

interface StatusJson {
  header?: { revision?: number };
  version?: string;
  dbSize?: number;
  leader?: number | string;
  errors?: string[];
}

/** The smallest key after every key that starts with the (ASCII) `prefix`: etcd's range end for a prefix. */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function decode(base64: string): Buffer {
  return Buffer.from(base64, 'base64');
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
