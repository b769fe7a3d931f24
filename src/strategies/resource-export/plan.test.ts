import { describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference } from '../../kube/types.js';
import type { IndexedResource } from './layout.js';
import { NoteBook } from './notes.js';
import { applyBody, buildPlan, rewriteOwners, type BackedUpResource } from './plan.js';

const entry = (group: string, version: string, resource: string, kind: string, custom = false, namespaced = true): IndexedResource => ({
  group, version, resource, kind, namespaced, custom, artifact: `resources/${group || 'core'}/${version}/${resource}.json`,
  sealed: false, count: 0, statusSubresource: custom,
});
const obj = (apiVersion: string, kind: string, name: string, extra: { namespace?: string; uid?: string; owners?: OwnerReference[] } = {}): KubeObject => ({
  apiVersion, kind,
  metadata: { name, uid: extra.uid ?? `uid-${name}`, ...(extra.namespace ? { namespace: extra.namespace } : {}), ...(extra.owners ? { ownerReferences: extra.owners } : {}) },
});
const ref = (kind: string, name: string, uid = `uid-${name}`): OwnerReference => ({ apiVersion: 'x/v1', kind, name, uid });
const group = (e: IndexedResource, ...items: KubeObject[]): BackedUpResource => ({ entry: { ...e, count: items.length }, items });
const options = { keepNodePorts: false, namespaceMap: {} };

describe('buildPlan', () => {
  it('orders tiers: CRDs, namespaces, classes, PVs, PVCs, roles, SAs, bindings, config, services, workloads, CRs, admission last', () => {
    // Given in scrambled order on purpose.
    const resources = [
      group(entry('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false, false), obj('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'hook')),
      group(entry('example.com', 'v1', 'widgets', 'Widget', true), obj('example.com/v1', 'Widget', 'w', { namespace: 'app' })),
      group(entry('apps', 'v1', 'deployments', 'Deployment'), obj('apps/v1', 'Deployment', 'd', { namespace: 'app' })),
      group(entry('', 'v1', 'services', 'Service'), obj('v1', 'Service', 's', { namespace: 'app' })),
      group(entry('', 'v1', 'secrets', 'Secret'), obj('v1', 'Secret', 'sec', { namespace: 'app' })),
      group(entry('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'), obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rb', { namespace: 'app' })),
      group(entry('', 'v1', 'serviceaccounts', 'ServiceAccount'), obj('v1', 'ServiceAccount', 'sa', { namespace: 'app' })),
      group(entry('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false, false), obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'cr')),
      group(entry('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim'), obj('v1', 'PersistentVolumeClaim', 'pvc', { namespace: 'app' })),
      group(entry('', 'v1', 'persistentvolumes', 'PersistentVolume', false, false), obj('v1', 'PersistentVolume', 'pv')),
      group(entry('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, false), obj('storage.k8s.io/v1', 'StorageClass', 'sc')),
      group(entry('', 'v1', 'namespaces', 'Namespace', false, false), obj('v1', 'Namespace', 'app')),
      group(entry('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, false), obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com')),
    ];
    const steps = buildPlan(resources, options, new NoteBook());
    expect(steps.map((s) => `${s.tier}:${s.objects.map((o) => o.head.metadata.name).join(',')}`)).toEqual([
      'crds:widgets.example.com', 'namespaces:app', 'cluster-config:sc', 'persistent-volumes:pv', 'persistent-volume-claims:pvc',
      'roles:cr', 'service-accounts:sa', 'role-bindings:rb', 'config:sec', 'services:s', 'workloads:d', 'custom-resources:w', 'admission:hook',
    ]);
  });

  it('applies owners before dependents, moving a dependent after an owner that sits in a later tier', () => {
    const cms = entry('', 'v1', 'configmaps', 'ConfigMap');
    const widgets = entry('example.com', 'v1', 'widgets', 'Widget', true);
    const resources = [
      group(cms, obj('v1', 'ConfigMap', 'owned-by-widget', { namespace: 'app', owners: [ref('Widget', 'w')] }), obj('v1', 'ConfigMap', 'plain', { namespace: 'app' })),
      group(widgets, obj('example.com/v1', 'Widget', 'child', { namespace: 'app', owners: [ref('Widget', 'w')] }), obj('example.com/v1', 'Widget', 'w', { namespace: 'app' })),
    ];
    const steps = buildPlan(resources, options, new NoteBook());
    expect(steps.map((s) => [s.tier, s.level, s.objects.map((o) => o.head.metadata.name).sort()])).toEqual([
      ['config', 0, ['plain']],
      ['custom-resources', 0, ['w']],
      ['custom-resources', 1, ['child', 'owned-by-widget']],
    ]);
  });

  it('drops owner references whose owner is not in the backup (or in another namespace) and notes them', () => {
    const cms = entry('', 'v1', 'configmaps', 'ConfigMap');
    const notes = new NoteBook();
    const resources = [
      group(cms, obj('v1', 'ConfigMap', 'a', { namespace: 'app', owners: [ref('Gone', 'gone'), ref('ConfigMap', 'b')] }),
        obj('v1', 'ConfigMap', 'b', { namespace: 'app' }), obj('v1', 'ConfigMap', 'c', { namespace: 'other', owners: [ref('ConfigMap', 'b')] })),
    ];
    const steps = buildPlan(resources, options, notes);
    const byName = new Map(steps.flatMap((s) => s.objects).map((o) => [o.head.metadata.name, o]));
    expect(byName.get('a')!.owners).toEqual([ref('ConfigMap', 'b')]);
    expect(byName.get('c')!.owners).toBeUndefined();
    expect(byName.get('a')!.oldUid).toBe('uid-a');
    // Only b is anyone's owner (a's other reference was dropped): only b's restored uid needs remembering.
    expect([...byName.values()].filter((o) => o.owns).map((o) => o.head.metadata.name)).toEqual(['b']);
    expect(notes.render()).toEqual(['stale owner references dropped (owner not in the backup): 2 (ConfigMap app/a -> Gone gone, ConfigMap other/c -> ConfigMap b)']);
  });

  it('survives an ownership cycle', () => {
    const cms = entry('', 'v1', 'configmaps', 'ConfigMap');
    const resources = [group(cms, obj('v1', 'ConfigMap', 'a', { namespace: 'n', owners: [ref('ConfigMap', 'b')] }), obj('v1', 'ConfigMap', 'b', { namespace: 'n', owners: [ref('ConfigMap', 'a')] }))];
    expect(buildPlan(resources, options, new NoteBook()).flatMap((s) => s.objects)).toHaveLength(2);
  });
});

describe('applyBody', () => {
  it('makes the apply body from the backed-up object only when asked: mapped, sanitized, with the kept owners', () => {
    const cms = entry('', 'v1', 'configmaps', 'ConfigMap');
    const backedUp = { ...obj('v1', 'ConfigMap', 'a', { namespace: 'app', owners: [ref('Gone', 'gone'), ref('ConfigMap', 'b')] }), data: { k: 'v' } };
    backedUp.metadata.resourceVersion = '42';
    const steps = buildPlan([group(cms, backedUp, obj('v1', 'ConfigMap', 'b', { namespace: 'app' }))], { ...options, namespaceMap: { app: 'copy' } }, new NoteBook());
    const a = steps.flatMap((s) => s.objects).find((o) => o.head.metadata.name === 'a')!;
    expect(a.head).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'copy' } });
    expect(a.key).toBe('/configmaps/copy/a');
    const body = applyBody(a, { ...options, namespaceMap: { app: 'copy' } });
    expect(body).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v' }, metadata: { name: 'a', namespace: 'copy', ownerReferences: [ref('ConfigMap', 'b')] } });
    // The plan keeps the object as backed up, untouched: one copy per object.
    expect(a.original).toBe(backedUp);
    expect(backedUp.metadata).toMatchObject({ namespace: 'app', resourceVersion: '42', uid: 'uid-a' });
    expect(backedUp.metadata.ownerReferences).toHaveLength(2);
  });
});

describe('rewriteOwners', () => {
  it('points references at restored uids and drops the ones whose owner was not restored', () => {
    const uids = new Map([['old-a', 'new-a']]);
    expect(rewriteOwners([ref('A', 'a', 'old-a'), ref('B', 'b', 'old-b')], uids)).toEqual([ref('A', 'a', 'new-a')]);
    expect(rewriteOwners([ref('B', 'b', 'old-b')], uids)).toBeUndefined();
  });
});
