/** The files of a resource-export backup: `index.json` plus one JSON array per resource type. */
export const INDEX_NAME = 'index.json';

/** One backed-up resource type as recorded in index.json. */
export interface IndexedResource {
  group: string;
  version: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Artifact holding the JSON array of raw objects. */
  artifact: string;
  sealed: boolean;
  count: number;
  /** Served by a CustomResourceDefinition (restored after CRDs, status through /status). */
  custom: boolean;
  /** The resource has a /status subresource. */
  statusSubresource: boolean;
}

/** Objects a skip rule left out of the backup. */
export interface SkipNote {
  rule: string;
  reason: string;
  count: number;
  /** Up to five `Kind ns/name` examples. */
  examples: string[];
}

/** The backup's table of contents (index.json). Holds names and counts, never object content. */
export interface BackupIndex {
  formatVersion: 1;
  serverVersion: string;
  /** Preferred version of every group at backup time ('' is the core group). */
  preferredVersions: Record<string, string>;
  /** The selection the backup was taken with (prune stays inside it). */
  selection: {
    namespaces?: string[];
    labelSelector?: string;
    includeClusterScoped: boolean;
    /** Default skip rules that were turned off. */
    keepSkipped: string[];
  };
  /** Namespaces covered by the backup (the selection, or every namespace that existed). */
  namespaces: string[];
  resources: IndexedResource[];
  skipped: SkipNote[];
}

/** `resources/<group or core>/<version>/<resource>.json` */
export function artifactName(group: string, version: string, resource: string): string {
  return `resources/${group || 'core'}/${version}/${resource}.json`;
}

/** `Secret` for the core group, `Deployment.apps`, `Job.batch.example.com` otherwise: unambiguous kind keys. */
export function kindKey(group: string, kind: string): string {
  return group ? `${kind}.${group}` : kind;
}
