import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { AuditLog, AuditScope } from './audit-log.js';

/** What the audit needs to know about a cluster (a structural subset of providers' Cluster). */
export interface AuditedCluster {
  readonly name: string;
  readonly provider: string;
  readonly kubeconfigPath: string;
}

interface KubeconfigNames {
  'current-context'?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name?: string; cluster?: { server?: string } }[];
}

/**
 * The one place audit lines learn on which cluster and as which kubeconfig identity kdrill acted: a view of `log` that
 * stamps every event with the scope of the cluster `current()` returns at that moment (so a switch to a fresh
 * restore target shows). Events that already carry a scope keep it.
 */
export function clusterAudit(log: AuditLog, current: () => AuditedCluster | undefined): AuditLog {
  const cache = new Map<string, AuditScope>();
  return {
    get path() {
      return log.path;
    },
    record(event) {
      const cluster = current();
      if (event.scope || !cluster) return log.record(event);
      const key = `${cluster.name}\0${cluster.kubeconfigPath}`;
      let scope = cache.get(key);
      if (!scope) cache.set(key, (scope = auditScopeOf(cluster)));
      return log.record({ ...event, scope });
    },
  };
}

/** Names from the cluster's kubeconfig (its current context, that context's user, the server URL without credentials). */
export function auditScopeOf(cluster: AuditedCluster): AuditScope {
  const scope: AuditScope = { cluster: { name: cluster.name, provider: cluster.provider } };
  let doc: KubeconfigNames;
  try {
    doc = parse(readFileSync(cluster.kubeconfigPath, 'utf8')) as KubeconfigNames;
  } catch {
    // An unreadable kubeconfig must not stop the drill's audit: the line still names the cluster and the OS user.
    return scope;
  }
  const contextName = doc?.['current-context'];
  const context = doc?.contexts?.find((c) => c.name === contextName)?.context;
  const server = doc?.clusters?.find((c) => c.name === context?.cluster)?.cluster?.server;
  if (typeof server === 'string') scope.cluster.server = withoutCredentials(server);
  if (contextName) scope.kubeContext = contextName;
  if (context?.user) scope.kubeUser = context.user;
  return scope;
}

/** A server URL without user:password@ or a query string (the only places a URL could carry a secret). */
export function withoutCredentials(server: string): string {
  try {
    const url = new URL(server);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable server URL)';
  }
}
