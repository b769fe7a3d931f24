import type { KubeObject } from '../kube/types.js';

/** Namespaces whose Secrets belong to the cluster itself: only touched when a scenario sets includeSystemNamespaces. */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/** Secret types the control plane manages itself (tokens it re-issues, bootstrap tokens). */
export const SYSTEM_SECRET_TYPES: readonly string[] = ['kubernetes.io/service-account-token', 'bootstrap.kubernetes.io/token'];

/** The resolved selection of delete-secrets. */
export interface SecretSelection {
  namespaces: string[] | undefined;
  /** `namespace/name` references, or bare names looked up in every selected namespace. */
  names: string[] | undefined;
  labelSelector: string | undefined;
  includeSystemNamespaces: boolean;
  includeSystemSecrets: boolean;
}

/** A `namespace/name` reference split in two (namespace undefined for a bare name). */
export function splitRef(ref: string): { namespace: string | undefined; name: string } {
  const slash = ref.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: ref } : { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/** Whether a listed Secret is one the selection deletes (the server applied the label selector already). */
export function selects(selection: SecretSelection, secret: KubeObject): boolean {
  const ns = secret.metadata.namespace ?? '';
  if (!selection.includeSystemNamespaces && SYSTEM_NAMESPACES.includes(ns)) return false;
  if (selection.names) {
    // Named Secrets are deleted whatever their type: naming one is asking for it.
    return selection.names.some((ref) => {
      const { namespace, name } = splitRef(ref);
      return name === secret.metadata.name && (namespace !== undefined ? namespace === ns : (selection.namespaces?.includes(ns) ?? false));
    });
  }
  if (!selection.includeSystemSecrets && SYSTEM_SECRET_TYPES.includes(String(secret.type ?? ''))) return false;
  return selection.namespaces ? selection.namespaces.includes(ns) : true;
}

/** Namespaces to list Secrets in, or undefined for every namespace (a label selector alone). */
export function namespacesToList(selection: SecretSelection): string[] | undefined {
  const fromRefs = (selection.names ?? []).map((ref) => splitRef(ref).namespace).filter((ns): ns is string => ns !== undefined);
  if (!selection.namespaces && !selection.names) return undefined;
  return [...new Set([...(selection.namespaces ?? []), ...fromRefs])];
}

/** Problems with the options that no schema can express: bare names without namespaces, nothing selected. */
export function selectionProblems(selection: SecretSelection): string[] {
  const problems: string[] = [];
  if (!selection.namespaces && !selection.names && !selection.labelSelector) problems.push('set namespaces, names or labelSelector');
  const bare = (selection.names ?? []).filter((ref) => splitRef(ref).namespace === undefined);
  if (bare.length && !selection.namespaces) problems.push(`names ${bare.join(', ')} need a namespace: write namespace/name or set namespaces`);
  return problems;
}

/** Named Secrets in a system namespace without includeSystemNamespaces: refused up front rather than silently skipped. */
export function refusedSystemRefs(selection: SecretSelection): string[] {
  if (selection.includeSystemNamespaces) return [];
  const fromNames = (selection.names ?? []).filter((ref) => SYSTEM_NAMESPACES.includes(splitRef(ref).namespace ?? ''));
  const fromNamespaces = (selection.namespaces ?? []).filter((ns) => SYSTEM_NAMESPACES.includes(ns));
  return [...fromNamespaces, ...fromNames];
}
