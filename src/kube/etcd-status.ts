/** One row of `etcdctl endpoint status -w json`, with member ids as hex (the form `member list` prints). */
export interface EndpointStatus {
  endpoint: string;
  memberId: string;
  /** `0` when the member knows no leader. */
  leaderId: string;
  revision: number;
  raftTerm?: number;
  dbSizeBytes?: number;
  version?: string;
  errors: string[];
}

interface StatusJson {
  Endpoint: string;
  Status?: { header?: { member_id?: string; revision?: number; raft_term?: number }; leader?: string; version?: string; dbSize?: number; errors?: string[] };
}

/**
 * Parses `endpoint status -w json`. Member ids are uint64: JSON.parse would round them, so they are quoted first and
 * turned into hex.
 */
export function parseEndpointStatuses(json: string): EndpointStatus[] {
  if (!json.trim()) return [];
  const quoted = json.replace(/"(member_id|leader|cluster_id)":(\d+)/g, '"$1":"$2"');
  const hex = (id: string | undefined) => (id ? BigInt(id).toString(16) : '0');
  return (JSON.parse(quoted) as StatusJson[]).map((r) => ({
    endpoint: r.Endpoint,
    memberId: hex(r.Status?.header?.member_id),
    leaderId: hex(r.Status?.leader),
    revision: r.Status?.header?.revision ?? 0,
    ...(r.Status?.header?.raft_term !== undefined ? { raftTerm: r.Status.header.raft_term } : {}),
    ...(r.Status?.dbSize !== undefined ? { dbSizeBytes: r.Status.dbSize } : {}),
    ...(r.Status?.version ? { version: r.Status.version } : {}),
    errors: r.Status?.errors ?? [],
  }));
}

/** One member of `etcdctl member list -w simple`: `id, status, name, peer URLs, client URLs, is learner`. */
export interface ListedMember {
  id: string;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
}

export function parseMemberList(simple: string): ListedMember[] {
  return simple.trim().split('\n').filter(Boolean).map((line) => {
    const [id = '', , name = '', peers = '', clients = ''] = line.split(',').map((f) => f.trim());
    return { id, name, peerUrls: peers.split(' ').filter(Boolean), clientUrls: clients.split(' ').filter(Boolean) };
  });
}
