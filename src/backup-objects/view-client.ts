import { KdrillError } from '../core/errors.js';
import { KubeClient, type RequestOptions } from '../kube/client.js';
import { KubeApiError } from '../kube/errors.js';
import { joinApiVersion } from '../kube/paths.js';
import type { KubeObject } from '../kube/types.js';
import { matchesLabelSelector } from './label-selector.js';

/** One resource type of a backup and its objects, as the backup holds them (raw JSON, Secrets decrypted in memory). */
export interface BackupResource {
  group: string;
  version: string;
  /** Plural name, e.g. `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  statusSubresource: boolean;
  items: KubeObject[];
}

/** What a backup says about the cluster it was taken from. */
export interface BackupObjects {
  /** The backup id, for messages. */
  id: string;
  /** The source's version (`v1.37.2`): the bootstrap policy and version-dependent checks read it from /version. */
  serverVersion: string;
  /** Preferred version of each group at backup time ('' = core). */
  preferredVersions: Record<string, string>;
  resources: BackupResource[];
}

/**
 * A read-only Kubernetes API served from a backup's objects: discovery, /version, LIST and GET. Checks take their
 * baseline through it exactly as through a live cluster (`spec.baseline: backup`), so a source that cannot be read
 * (or must not be) still gets a baseline: the backup's own view of it. Any write is refused with a coded error.
 */
export class BackupViewClient extends KubeClient {
  private readonly byGroupVersion = new Map<string, BackupResource[]>();

  constructor(private readonly backup: BackupObjects) {
    super({
      server: `backup://${backup.id}`,
      load: () => Promise.reject(new KdrillError('E_INTERNAL', 'a backup view has no kubeconfig')),
    });
    for (const r of backup.resources) {
      const gv = joinApiVersion(r.group, r.version);
      this.byGroupVersion.set(gv, [...(this.byGroupVersion.get(gv) ?? []), r]);
    }
  }

  override request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (method !== 'GET') {
      return Promise.reject(new KdrillError('E_BACKUP_UNSUPPORTED', `the baseline comes from backup ${this.backup.id}, which is read-only: a check tried ${method} ${path}`, {
        hint: 'checks that write to take their baseline (e.g. secret-injection baselineTokens) need spec.baseline: source',
      }));
    }
    const [pathOnly = '', queryString] = path.split('?');
    const query = { ...Object.fromEntries(new URLSearchParams(queryString ?? '')), ...options.query };
    try {
      return Promise.resolve(this.serve(pathOnly.replace(/\/+$/, ''), query) as T);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private serve(path: string, query: Record<string, unknown>): unknown {
    if (path === '/version') return versionInfo(this.backup.serverVersion);
    if (path === '/api') return { kind: 'APIVersions', versions: ['v1'] };
    if (path === '/apis') return this.groupList();
    const match = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/(.*))?$/.exec(path);
    if (!match) throw notFound(path);
    const gv = match[1] ?? `${match[2]}/${match[3]}`;
    const resources = this.byGroupVersion.get(gv);
    if (!resources) throw notFound(path);
    const rest = match[4] ? match[4].split('/') : [];
    if (rest.length === 0) return resourceList(gv, resources);
    return this.serveObjects(path, gv, resources, rest, query);
  }

  private serveObjects(path: string, gv: string, resources: BackupResource[], rest: string[], query: Record<string, unknown>): unknown {
    const find = (name: string) => resources.find((r) => r.resource === name);
    // namespaces/<ns>/<resource>[/<name>] addresses namespaced objects; namespaces[/<name>] the Namespaces themselves.
    const scoped = rest[0] === 'namespaces' && rest.length >= 3;
    const [resourceName, name, sub] = scoped ? rest.slice(2) : rest;
    const namespace = scoped ? rest[1] : undefined;
    const resource = resourceName ? find(resourceName) : undefined;
    if (!resource || sub !== undefined) throw notFound(path);
    const inScope = resource.items.filter((o) => namespace === undefined || o.metadata.namespace === namespace);
    if (name !== undefined) {
      const found = inScope.find((o) => o.metadata.name === name);
      if (!found) throw notFound(path);
      return withType(found, gv, resource.kind);
    }
    const selector = typeof query.labelSelector === 'string' ? query.labelSelector : '';
    const fields = typeof query.fieldSelector === 'string' ? query.fieldSelector : '';
    const items = inScope.filter((o) => matchesLabelSelector(o.metadata.labels ?? {}, selector) && matchesFields(o, fields, path)).map((o) => withType(o, gv, resource.kind));
    return { apiVersion: gv, kind: `${resource.kind}List`, metadata: {}, items };
  }

  private groupList(): unknown {
    const groups = new Map<string, string[]>();
    for (const r of this.backup.resources) {
      if (r.group === '') continue;
      const versions = groups.get(r.group) ?? [];
      if (!versions.includes(r.version)) versions.push(r.version);
      groups.set(r.group, versions);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => {
        const preferred = this.backup.preferredVersions[name] && versions.includes(this.backup.preferredVersions[name]) ? this.backup.preferredVersions[name] : versions[0]!;
        return { name, versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })), preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred } };
      }),
    };
  }
}

function resourceList(gv: string, resources: BackupResource[]): unknown {
  const verbs = ['get', 'list'];
  return {
    kind: 'APIResourceList',
    groupVersion: gv,
    resources: resources.flatMap((r) => [
      { name: r.resource, kind: r.kind, namespaced: r.namespaced, verbs },
      ...(r.statusSubresource ? [{ name: `${r.resource}/status`, kind: r.kind, namespaced: r.namespaced, verbs: ['get'] }] : []),
    ]),
  };
}

function versionInfo(gitVersion: string): unknown {
  const [, major = '', minor = ''] = /^v?(\d+)\.(\d+)/.exec(gitVersion) ?? [];
  return { major, minor, gitVersion };
}

function withType(o: KubeObject, apiVersion: string, kind: string): KubeObject {
  return { ...o, apiVersion, kind };
}

/** The field selectors checks use: metadata.name, metadata.namespace and type (Secrets), with = / == / !=. */
function matchesFields(o: KubeObject, selector: string, path: string): boolean {
  for (const term of selector.split(',').filter(Boolean)) {
    const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term);
    const value = m ? fieldValue(o, m[1]!.trim()) : undefined;
    if (!m || value === undefined) {
      throw new KdrillError('E_BACKUP_UNSUPPORTED', `a baseline read from a backup cannot apply field selector "${term}" (${path})`, {
        hint: 'use spec.baseline: source for this check',
      });
    }
    if ((m[2] === '!=') === (value === m[3])) return false;
  }
  return true;
}

function fieldValue(o: KubeObject, field: string): string | undefined {
  if (field === 'metadata.name') return o.metadata.name;
  if (field === 'metadata.namespace') return o.metadata.namespace ?? '';
  if (field === 'type') return String(o.type ?? '');
  return undefined;
}

function notFound(path: string): KubeApiError {
  return new KubeApiError('GET', path, 404, 'NotFound', 'not in the backup');
}
