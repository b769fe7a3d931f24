import type { NonResourceGrant, ResourceGrant } from './rules.js';

/** The namespace of a permission granted by a ClusterRoleBinding: every namespace and the cluster scope. */
export const CLUSTER_SCOPE = '*cluster*';

/** One resource permission of one subject: what a SubjectAccessReview with these attributes would allow. */
export interface PermissionTuple extends ResourceGrant {
  /** A namespace, or CLUSTER_SCOPE. */
  namespace: string;
}

export type SubjectKind = 'User' | 'Group' | 'ServiceAccount';

/** Who holds permissions; a ServiceAccount is named by its username `system:serviceaccount:ns:name`. */
export interface SubjectRef {
  kind: SubjectKind;
  name: string;
}

/** Grants of one subject, each permission key mapped to what grants it (`RoleBinding ns/x → ClusterRole y`). */
export interface SubjectPermissions {
  subject: SubjectRef;
  resources: Record<string, string[]>;
  nonResourceURLs: Record<string, string[]>;
}

const SA_PREFIX = 'system:serviceaccount:';

/** Normalise an RBAC subject; a User named `system:serviceaccount:ns:sa` is that ServiceAccount. */
export function subjectRef(subject: { kind?: string; name?: string; namespace?: string }, defaultNamespace = ''): SubjectRef | undefined {
  if (!subject.name) return undefined;
  if (subject.kind === 'ServiceAccount') return { kind: 'ServiceAccount', name: `${SA_PREFIX}${subject.namespace || defaultNamespace}:${subject.name}` };
  if (subject.kind === 'User') return subject.name.startsWith(SA_PREFIX) ? { kind: 'ServiceAccount', name: subject.name } : { kind: 'User', name: subject.name };
  if (subject.kind === 'Group') return { kind: 'Group', name: subject.name };
  return undefined;
}

/** A stable map key for a subject: `ServiceAccount:system:serviceaccount:ns:sa`. */
export function subjectKey(subject: SubjectRef): string {
  return `${subject.kind}:${subject.name}`;
}

/** The namespace of a ServiceAccount subject, or undefined for users and groups. */
export function serviceAccountNamespace(subject: SubjectRef): string | undefined {
  return subject.kind === 'ServiceAccount' ? subject.name.slice(SA_PREFIX.length).split(':')[0] : undefined;
}

/** `namespace|group|resource|subresource|name|verb`: every field is a DNS-ish name, none holds '|'. */
export function tupleKey(t: PermissionTuple): string {
  return [t.namespace, t.apiGroup, t.resource, t.subresource, t.resourceName, t.verb].join('|');
}

export function parseTupleKey(key: string): PermissionTuple {
  const [namespace = '', apiGroup = '', resource = '', subresource = '', resourceName = '', verb = ''] = key.split('|');
  return { namespace, apiGroup, resource, subresource, resourceName, verb };
}

export function nonResourceKey(grant: NonResourceGrant): string {
  return `${grant.url}|${grant.verb}`;
}

export function parseNonResourceKey(key: string): NonResourceGrant {
  const bar = key.lastIndexOf('|');
  return { url: key.slice(0, bar), verb: key.slice(bar + 1) };
}

/** A human line: `create core/pods/exec in shop`, `get core/secrets name=db cluster-wide`. */
export function formatTuple(t: PermissionTuple): string {
  const resource = `${t.apiGroup || 'core'}/${t.resource}${t.subresource ? `/${t.subresource}` : ''}`;
  const name = t.resourceName ? ` name=${t.resourceName}` : '';
  return `${t.verb} ${resource}${name} ${t.namespace === CLUSTER_SCOPE ? 'cluster-wide' : `in ${t.namespace}`}`;
}

export function formatSubject(subject: SubjectRef): string {
  return `${subject.kind} ${subject.name}`;
}

/** RBAC matching: whether `held` grants `t` (a cluster grant covers a namespace; '*' covers any value; no name covers any name). */
export function allows(held: SubjectPermissions | undefined, t: PermissionTuple): boolean {
  if (!held) return false;
  const namespaces = t.namespace === CLUSTER_SCOPE ? [CLUSTER_SCOPE] : [t.namespace, CLUSTER_SCOPE];
  const resources: [string, string][] = [[t.resource, t.subresource], ['*', '']];
  if (t.subresource) resources.push(['*', t.subresource]);
  for (const namespace of namespaces)
    for (const apiGroup of unique(t.apiGroup, '*'))
      for (const [resource, subresource] of resources)
        for (const resourceName of unique(t.resourceName, ''))
          for (const verb of unique(t.verb, '*'))
            if (held.resources[tupleKey({ namespace, apiGroup, resource, subresource, resourceName, verb })]) return true;
  return false;
}

/** Whether `held` grants a non-resource URL: exact, `*`, or a `prefix*` pattern. */
export function allowsNonResource(held: SubjectPermissions | undefined, grant: NonResourceGrant): boolean {
  if (!held) return false;
  return Object.keys(held.nonResourceURLs).some((key) => {
    const { url, verb } = parseNonResourceKey(key);
    if (verb !== '*' && verb !== grant.verb) return false;
    return url === grant.url || url === '*' || (url.endsWith('*') && grant.url.startsWith(url.slice(0, -1)));
  });
}

function unique(a: string, b: string): string[] {
  return a === b ? [a] : [a, b];
}
