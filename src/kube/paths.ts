/** URL paths of the Kubernetes REST API. */

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function joinApiVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Collection path: `/api/v1/namespaces/ns/secrets` or `/apis/g/v/things` for cluster-scoped resources. */
export function collectionPath(apiVersion: string, resource: string, namespace?: string): string {
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${groupVersionPath(apiVersion)}${ns}/${resource}`;
}

export function objectPath(apiVersion: string, resource: string, name: string, namespace?: string): string {
  return `${collectionPath(apiVersion, resource, namespace)}/${encodeURIComponent(name)}`;
}
