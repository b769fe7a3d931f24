import type { MemberState, MembershipView } from '../../strategies/etcd-snapshot/etcd-reads.js';

/** What the members say about each other: their names, whom they follow, whether they list the same cluster. */
export interface MembershipFindings {
  /** Member name by client URL (from the member lists), so evidence names members, not just ports. */
  names: Record<string, string>;
  /** Distinct leaders the answering members follow (hex ids); healthy means exactly one. */
  leaders: string[];
  /** Endpoints whose member list differs from the one most endpoints report. */
  disagreeing: { endpoint: string; member?: string; lists: string[]; majority: string[] }[];
  /** Endpoints that could not list members. */
  unanswered: { endpoint: string; error: string }[];
}

export function judgeMembership(states: readonly MemberState[], views: readonly MembershipView[]): MembershipFindings {
  const names: Record<string, string> = {};
  for (const view of views) for (const m of view.members ?? []) for (const url of m.clientUrls) names[url] ??= m.name;
  const leaders = [...new Set(states.map((s) => s.leaderId).filter((id): id is string => id !== undefined && id !== '0'))];
  const listed = views.filter((v) => v.members).map((v) => ({ endpoint: v.endpoint, ids: v.members!.map((m) => `${m.name}:${m.id}`).sort() }));
  const majority = mostCommon(listed.map((l) => l.ids.join(','))) ?? '';
  const disagreeing = listed
    .filter((l) => l.ids.join(',') !== majority)
    .map((l) => ({ endpoint: l.endpoint, ...(names[l.endpoint] ? { member: names[l.endpoint] } : {}), lists: l.ids, majority: majority ? majority.split(',') : [] }));
  const unanswered = views.filter((v) => v.error !== undefined).map((v) => ({ endpoint: v.endpoint, error: v.error! }));
  return { names, leaders, disagreeing, unanswered };
}

function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** `etcd-1 (https://127.0.0.1:2379)` when the name is known, else the endpoint. */
export function memberLabel(endpoint: string, names: Record<string, string>): string {
  return names[endpoint] ? `${names[endpoint]} (${endpoint})` : endpoint;
}
