import { describe, expect, it } from 'vitest';
import type { ApiResource } from '../../kube/types.js';
import { backupOptions } from './options.js';
import { kindMatches, selectResources } from './resources.js';

const ALL = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const res = (group: string, version: string, name: string, kind: string, extra: Partial<ApiResource> = {}): ApiResource => ({
  group, version, name, kind, namespaced: true, verbs: ALL, subresources: [], ...extra,
});

const discovery: ApiResource[] = [
  res('', 'v1', 'secrets', 'Secret'),
  res('', 'v1', 'namespaces', 'Namespace', { namespaced: false }),
  res('', 'v1', 'nodes', 'Node', { namespaced: false }),
  res('', 'v1', 'events', 'Event'),
  res('', 'v1', 'componentstatuses', 'ComponentStatus', { verbs: ['get', 'list'] }),
  res('', 'v1', 'bindings', 'Binding', { verbs: ['create'] }),
  res('events.k8s.io', 'v1', 'events', 'Event'),
  res('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  res('batch', 'v1', 'jobs', 'Job', { subresources: ['status'] }),
  res('batch.example.com', 'v1', 'jobs', 'Job', { subresources: ['status'] }),
  res('batch.example.com', 'v1beta1', 'jobs', 'Job'),
  res('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', { namespaced: false }),
  res('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', { namespaced: false }),
];
const preferred = new Map([
  ['', 'v1'], ['events.k8s.io', 'v1'], ['coordination.k8s.io', 'v1'], ['batch', 'v1'],
  ['batch.example.com', 'v1'], ['rbac.authorization.k8s.io', 'v1'],
  // Even if the group preferred another version, CRDs are read as v1.
  ['apiextensions.k8s.io', 'v1beta1'],
]);
const crds = new Set(['batch.example.com/jobs']);
const ids = (options: Record<string, unknown> = {}) =>
  selectResources(discovery, preferred, crds, backupOptions(options)).selected.map((r) => `${r.group}/${r.version}/${r.name}`);

describe('selectResources', () => {
  it('keeps list/get/create/delete resources once, at the preferred version, and skips nodes, events and leases', () => {
    expect(ids()).toEqual([
      '/v1/secrets', '/v1/namespaces', 'batch/v1/jobs', 'batch.example.com/v1/jobs',
      'rbac.authorization.k8s.io/v1/clusterroles', 'apiextensions.k8s.io/v1/customresourcedefinitions',
    ]);
  });

  it('reports each type-level skip with its rule (the events.k8s.io alias is not even considered)', () => {
    const { typeSkips } = selectResources(discovery, preferred, crds, backupOptions({}));
    expect(typeSkips).toEqual([
      { rule: 'nodes', resource: 'nodes' },
      { rule: 'events', resource: 'events' },
      { rule: 'leases', resource: 'leases.coordination.k8s.io' },
    ]);
  });

  it('takes events once, from the core group, when keepSkipped turns the rule off', () => {
    const selected = ids({ keepSkipped: ['events'] });
    expect(selected.filter((id) => id.endsWith('/events'))).toEqual(['/v1/events']);
  });

  it('marks CRD-served resources as custom, built-in ones of the same kind not', () => {
    const { selected } = selectResources(discovery, preferred, crds, backupOptions({}));
    const jobs = selected.filter((r) => r.kind === 'Job').map((r) => [r.group, r.custom]);
    expect(jobs).toEqual([['batch', false], ['batch.example.com', true]]);
  });

  it('filters by group (core spelled core) and by kind, Kind.group or plural', () => {
    expect(ids({ includeGroups: ['core'] })).toEqual(['/v1/secrets', '/v1/namespaces']);
    expect(ids({ excludeGroups: ['core', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io'] })).toEqual(['batch/v1/jobs', 'batch.example.com/v1/jobs']);
    expect(ids({ includeKinds: ['Job.batch.example.com', 'secrets'] })).toEqual(['/v1/secrets', 'batch.example.com/v1/jobs']);
    expect(ids({ includeKinds: ['job'] })).toEqual(['batch/v1/jobs', 'batch.example.com/v1/jobs']);
    expect(ids({ excludeKinds: ['Job.batch', 'ClusterRole', 'customresourcedefinitions'] })).toEqual(['/v1/secrets', '/v1/namespaces', 'batch.example.com/v1/jobs']);
  });

  it('drops cluster-scoped types except Namespaces when includeClusterScoped is false', () => {
    expect(ids({ includeClusterScoped: false })).toEqual(['/v1/secrets', '/v1/namespaces', 'batch/v1/jobs', 'batch.example.com/v1/jobs']);
  });
});

describe('kindMatches', () => {
  it('does not confuse a custom Job with batch/Job when the group is given', () => {
    const custom = { group: 'batch.example.com', kind: 'Job', name: 'jobs' };
    expect(kindMatches(custom, 'Job.batch')).toBe(false);
    expect(kindMatches(custom, 'jobs.batch.example.com')).toBe(true);
  });
});
