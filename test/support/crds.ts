/** A namespaced `Widget` CRD for integration tests: one shape, varied by group, versions, schema and subresources. */
export function widgetCrd(options: {
  group?: string;
  versions?: string[];
  /** The storage version (default: the last of `versions`). */
  storage?: string;
  schema?: Record<string, unknown>;
  status?: boolean;
} = {}): { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> } {
  const group = options.group ?? 'example.com';
  const versions = options.versions ?? ['v1'];
  const storage = options.storage ?? versions[versions.length - 1];
  const schema = options.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: versions.map((name) => ({
        name,
        served: true,
        storage: name === storage,
        ...(options.status ? { subresources: { status: {} } } : {}),
        schema: { openAPIV3Schema: schema },
      })),
    },
  };
}
