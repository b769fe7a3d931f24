import type { EffectivePermissions } from './effective-permissions.js';
import { CLUSTER_SCOPE, formatSubject, formatTuple, parseNonResourceKey, parseTupleKey, subjectKey, type PermissionTuple } from './tuples.js';

/** Why a grant is dangerous: each lets its holder read every secret, run code on nodes, or give itself more rights. */
export type DangerReason =
  | 'wildcard'
  | 'escalate'
  | 'bind'
  | 'impersonate'
  | 'secrets-read-cluster-wide'
  | 'nodes-proxy'
  | 'pods-exec-cluster-wide'
  | 'serviceaccount-token-create';

/** One dangerous grant of one subject in one namespace (or cluster-wide), with an example permission and its source. */
export interface DangerousGrant {
  /** subjectKey of the holder; `id` = subject|reason|namespace identifies the finding across two clusters. */
  subject: string;
  reason: DangerReason;
  namespace: string;
  id: string;
  /** e.g. `ServiceAccount system:serviceaccount:shop:evil: pods-exec-cluster-wide (create core/pods/exec cluster-wide) via ...`. */
  description: string;
}

const RULES: [DangerReason, (t: PermissionTuple) => boolean][] = [
  ['wildcard', (t) => t.verb === '*' || t.resource === '*' || t.apiGroup === '*'],
  ['escalate', (t) => rbacRoles(t) && is(t.verb, 'escalate')],
  ['bind', (t) => rbacRoles(t) && is(t.verb, 'bind')],
  ['impersonate', (t) => is(t.verb, 'impersonate') && is(t.resource, 'users', 'groups', 'serviceaccounts', 'uids', 'userextras')],
  ['secrets-read-cluster-wide', (t) => t.namespace === CLUSTER_SCOPE && core(t) && whole(t, 'secrets') && !t.resourceName && is(t.verb, 'get', 'list', 'watch')],
  ['nodes-proxy', (t) => core(t) && sub(t, 'nodes', 'proxy')],
  ['pods-exec-cluster-wide', (t) => t.namespace === CLUSTER_SCOPE && core(t) && sub(t, 'pods', 'exec') && is(t.verb, 'create', 'get')],
  ['serviceaccount-token-create', (t) => core(t) && sub(t, 'serviceaccounts', 'token') && is(t.verb, 'create')],
];

/** Every dangerous grant, one per subject, reason and namespace, sorted by id. */
export function dangerousGrants(perms: EffectivePermissions): DangerousGrant[] {
  const found = new Map<string, DangerousGrant>();
  for (const held of Object.values(perms.subjects)) {
    const key = subjectKey(held.subject);
    const note = (reason: DangerReason, namespace: string, example: string, grants: string[]) => {
      const id = `${key}|${reason}|${namespace}`;
      if (found.has(id)) return;
      const description = `${formatSubject(held.subject)}: ${reason} (${example}) via ${grants.join(', ')}`;
      found.set(id, { subject: key, reason, namespace, id, description });
    };
    for (const [tupleKeyText, grants] of Object.entries(held.resources)) {
      const t = parseTupleKey(tupleKeyText);
      for (const [reason, test] of RULES) if (test(t)) note(reason, t.namespace, formatTuple(t), grants);
    }
    for (const [urlKey, grants] of Object.entries(held.nonResourceURLs)) {
      const { url, verb } = parseNonResourceKey(urlKey);
      if (url === '*') note('wildcard', CLUSTER_SCOPE, `${verb} nonResourceURL *`, grants);
    }
  }
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function is(value: string, ...wanted: string[]): boolean {
  return value === '*' || wanted.includes(value);
}

function core(t: PermissionTuple): boolean {
  return t.apiGroup === '' || t.apiGroup === '*';
}

/** The resource itself (not a subresource), or '*'. */
function whole(t: PermissionTuple, resource: string): boolean {
  return (t.resource === resource || t.resource === '*') && t.subresource === '';
}

/** The subresource, through its name, `*` (every resource and subresource) or `*\/sub`. */
function sub(t: PermissionTuple, resource: string, subresource: string): boolean {
  if (t.resource === '*') return t.subresource === '' || t.subresource === subresource;
  return t.resource === resource && t.subresource === subresource;
}

function rbacRoles(t: PermissionTuple): boolean {
  return (t.apiGroup === 'rbac.authorization.k8s.io' || t.apiGroup === '*') && (t.resource === 'roles' || t.resource === 'clusterroles' || t.resource === '*');
}
