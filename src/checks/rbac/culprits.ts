import { canonicalItem, canonicalSet } from '../../bootstrap/content.js';
import { resetToPolicy } from '../../bootstrap/defaults.js';
import type { BootstrapPolicy } from '../../bootstrap/policy.js';
import type { KubeObject } from '../../kube/types.js';
import type { BackupRbac } from './backup-rbac.js';
import { rbacKey } from './backup-rbac.js';
import type { RbacObjects } from './effective-permissions.js';

/** How the drill restored: what decides whether an object the backup lacks could have survived. */
export interface RestoreFacts {
  strategy: string;
  target: 'same' | 'fresh';
  prune: boolean;
}

/** One RBAC object that was added or changed, where it comes from, and what removes it. */
export interface Culprit {
  object: string;
  change: 'added' | 'changed';
  /** A binding's role: `ClusterRole cluster-admin`. */
  grants?: string;
  /** Subjects an added binding binds, or subjects a changed binding gained. */
  subjects?: string[];
  /** Rules a changed role gained. */
  rules?: string[];
  backup: 'absent' | 'same' | 'different' | 'unknown';
  cause: string;
  fix: string[];
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** Explain each added or changed RBAC object from the backup's content and how the drill restored. */
export function findCulprits(
  objects: { added: string[]; changed: string[] },
  restored: RbacObjects,
  backup: BackupRbac,
  restore: RestoreFacts,
  policy: BootstrapPolicy,
): Culprit[] {
  const live = new Map([...restored.clusterRoles, ...restored.clusterRoleBindings, ...restored.roles, ...restored.roleBindings].map((o) => [rbacKey(o.kind, o), o]));
  const found = [...objects.added.map((k) => [k, 'added'] as const), ...objects.changed.map((k) => [k, 'changed'] as const)];
  return found.flatMap(([key, change]) => {
    const object = live.get(key);
    return object ? [culprit(object, key, change, backup, restore, policy)] : [];
  });
}

function culprit(object: KubeObject, key: string, change: Culprit['change'], backup: BackupRbac, restore: RestoreFacts, policy: BootstrapPolicy): Culprit {
  const stored = 'objects' in backup ? backup.objects.get(key) : undefined;
  // What the object should look like: the backup's copy, else (for a bootstrap object the backup skips) the policy's.
  const reference = stored ?? resetToPolicy(object, policy);
  const isBinding = object.kind.endsWith('Binding');
  const subjects = (isBinding ? extra(object.subjects, change === 'changed' ? reference?.subjects : undefined) : []).map((s) => withNamespace(s as Subject, object));
  const rules = isBinding || change === 'added' ? [] : extra(object.rules, reference?.rules).map(canonicalItem);
  const state: Culprit['backup'] = !('objects' in backup) ? 'unknown' : !stored ? 'absent' : sameContent(stored, object) ? 'same' : 'different';
  const roleRef = object.roleRef as { kind?: string; name?: string } | undefined;
  return {
    object: key,
    change,
    ...(isBinding ? { grants: `${roleRef?.kind} ${roleRef?.name}` } : {}),
    ...(subjects.length ? { subjects: subjects.map(formatSubject) } : {}),
    ...(rules.length ? { rules } : {}),
    backup: state,
    cause: cause(change, state, backup, restore),
    fix: fixes(object, change, subjects, rules, state, restore),
  };
}

function cause(change: Culprit['change'], state: Culprit['backup'], backup: BackupRbac, restore: RestoreFacts): string {
  const id = backup.id ?? '(none)';
  if (state === 'unknown') return `${'unknown' in backup ? backup.unknown : 'the backup was not searched'}: whether it holds this ${change === 'added' ? 'object' : 'version'} is unknown`;
  if (state === 'same') {
    return `backup ${id} holds it exactly: the grant was there when the backup was taken (or the backup was altered), so every restore of this backup brings it back`;
  }
  if (change === 'changed' || state === 'different') {
    return `backup ${id} holds another version: it was changed after the backup and the restore did not put the backup's version back`;
  }
  if (restore.target === 'fresh') return `not in backup ${id}, and the restore went to a fresh cluster: made during or after the restore (a chaos step, a controller or a person)`;
  if (restore.strategy !== 'resource-export') return `not in backup ${id}: made after the backup, and the ${restore.strategy} restore did not remove it`;
  if (!restore.prune) return `not in backup ${id}: made after the backup (by a chaos step, an attacker or a change nobody reviewed), and kept because the restore does not prune`;
  return `not in backup ${id}, yet the pruning restore kept it: outside the backup's selection (a namespace-restricted backup never prunes cluster-scoped objects) or its deletion failed (see the restore notes)`;
}

function fixes(object: KubeObject, change: Culprit['change'], subjects: Subject[], rules: string[], state: Culprit['backup'], restore: RestoreFacts): string[] {
  const kind = object.kind.toLowerCase();
  const ns = object.metadata.namespace ? ` -n ${object.metadata.namespace}` : '';
  const out: string[] = [];
  if (change === 'added') out.push(`kubectl${ns} delete ${kind} ${object.metadata.name}`);
  else if (subjects.length) out.push(`kubectl${ns} edit ${kind} ${object.metadata.name} (remove subjects ${subjects.map(formatSubject).join(', ')})`);
  else out.push(`kubectl${ns} edit ${kind} ${object.metadata.name} (remove the rules ${rules.join(' ') || 'it gained'})`);
  for (const s of subjects) out.push(s.kind === 'ServiceAccount' ? `rotate tokens of ${s.namespace}/${s.name}` : `revoke the credentials of ${s.kind} ${s.name}`);
  if (state === 'absent' && change === 'added' && restore.strategy === 'resource-export' && !restore.prune && restore.target === 'same') {
    out.push('restore with restore.options.prune: true, so a restore removes grants the backup does not have');
  }
  if (state === 'same') out.push('remove it from the source the backup was taken from, then take a new backup');
  return out;
}

/** Items of `live` that `reference` lacks (all of them without a reference). */
function extra(live: unknown, reference: unknown): unknown[] {
  const known = new Set(canonicalSet(reference));
  return (Array.isArray(live) ? live : []).filter((item) => !known.has(canonicalItem(item)));
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  const content = (o: KubeObject) => JSON.stringify([canonicalSet(o.rules), o.aggregationRule ? canonicalItem(o.aggregationRule) : null, canonicalItem(o.roleRef), canonicalSet(o.subjects)]);
  return content(a) === content(b);
}

/** A ServiceAccount subject without a namespace is in its RoleBinding's. */
function withNamespace(s: Subject, binding: KubeObject): Subject {
  return s.kind === 'ServiceAccount' && !s.namespace ? { ...s, namespace: binding.metadata.namespace ?? '' } : s;
}

function formatSubject(s: Subject): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace}/${s.name}` : `${s.kind} ${s.name}`;
}
