import type { KubeObject, OwnerReference } from '../../kube/types.js';
import type { IndexedResource } from './layout.js';
import { describeObject, type NoteBook } from './notes.js';
import { sanitize, targetName, type SanitizeOptions } from './sanitize.js';
import { tierOf, tierRank, type Tier } from './tiers.js';

/** What names an object in the target: its type, name and namespace after namespace mapping. */
export interface ObjectHead {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/**
 * One object to restore: where it goes, its owners, and the object as backed up. The plan holds one copy of each
 * object: its apply body is made from `original` (see applyBody) only while its batch is applied.
 */
export interface PlannedObject {
  /** `group/resource/namespace/name` after namespace mapping. */
  key: string;
  tier: Tier;
  /** Depth of ownership inside the tier: owners (level n) are applied before their dependents (level n+1). */
  level: number;
  resource: IndexedResource;
  head: ObjectHead;
  /** Owner references to objects in the backup, with the backup's uids (rewritten to the restored owners' uids when applied). */
  owners: OwnerReference[] | undefined;
  /** A custom resource's status, sent through /status after the object is applied. */
  status: unknown;
  /** The object's uid in the backed-up cluster (owner references point at it). */
  oldUid: string | undefined;
  /** Another planned object names it as owner: its restored uid must be remembered (only then: 50k uids add up). */
  owns: boolean;
  /** The object as backed up, before sanitizing: fields it has and the apply body lacks are left to the cluster. */
  original: KubeObject;
}

/** Objects applied together (in parallel): one tier, one ownership level. */
export interface PlanStep {
  tier: Tier;
  level: number;
  objects: PlannedObject[];
}

/** The backed-up objects of one resource type, as read from its artifact. */
export interface BackedUpResource {
  entry: IndexedResource;
  items: KubeObject[];
}

const IP_DROPPED = "Service clusterIP not kept (outside the target's service CIDR): the target allocates a new one";

/** Deleting these can delete data (a bound claim's dynamically provisioned volume): never recreated, only reported. */
const NEVER_RECREATED = new Set(['persistentvolumeclaims', 'persistentvolumes']);

/** PersistentVolumeClaims and PersistentVolumes: a restore never deletes them. */
export function neverRecreated(p: Pick<PlannedObject, 'resource'>): boolean {
  return p.resource.group === '' && NEVER_RECREATED.has(p.resource.resource);
}

/** Identity of an object in the target cluster. */
export function objectKey(group: string, resource: string, namespace: string | undefined, name: string): string {
  return `${group}/${resource}/${namespace ?? ''}/${name}`;
}

/**
 * Sanitizes every object and orders them in steps: tiers in TIERS order; inside, owners before dependents (a dependent
 * whose owner sits in a later tier moves after it). Owner references to objects not in the backup are dropped.
 */
export function buildPlan(resources: BackedUpResource[], options: SanitizeOptions, notes: NoteBook): PlanStep[] {
  const planned: PlannedObject[] = [];
  for (const { entry, items } of resources) {
    const tier = tierOf(entry.group, entry.resource, entry.custom);
    for (const item of items) {
      const head = headOf(item, entry, options);
      if (entry.group === '' && entry.resource === 'services') noteDroppedIp(item, entry, options, notes);
      const key = objectKey(entry.group, entry.resource, head.metadata.namespace, head.metadata.name);
      const owners = item.metadata.ownerReferences?.length ? item.metadata.ownerReferences : undefined;
      planned.push({ key, tier, level: 0, resource: entry, head, owners, status: statusOf(item, entry), oldUid: item.metadata.uid, owns: false, original: item });
    }
  }
  const byUid = new Map(planned.filter((p) => p.oldUid).map((p) => [p.oldUid!, p]));
  for (const p of planned) keepKnownOwners(p, byUid, notes);
  for (const ref of planned.flatMap((p) => p.owners ?? [])) byUid.get(ref.uid)!.owns = true;
  placeByOwners(planned, byUid);
  return groupSteps(planned);
}

/** The apply body of a planned object: sanitized, with the owner references the plan kept (still the backup's uids). */
export function applyBody(p: PlannedObject, options: SanitizeOptions): KubeObject {
  const { desired } = sanitize(p.original, p.resource, options);
  if (p.owners) desired.metadata.ownerReferences = p.owners;
  else delete desired.metadata.ownerReferences;
  return desired;
}

function headOf(item: KubeObject, entry: IndexedResource, options: SanitizeOptions): ObjectHead {
  const { name, namespace } = targetName(item, entry, options.namespaceMap);
  return { apiVersion: item.apiVersion, kind: item.kind, metadata: { name, ...(namespace ? { namespace } : {}) } };
}

/** Built-in workloads' status is rebuilt by their controllers; a CRD's status is reset by the server and sent again. */
function statusOf(item: KubeObject, entry: IndexedResource): unknown {
  return entry.custom && entry.statusSubresource ? item.status : undefined;
}

function noteDroppedIp(item: KubeObject, entry: IndexedResource, options: SanitizeOptions, notes: NoteBook): void {
  const { desired, droppedClusterIp } = sanitize(item, entry, options);
  if (droppedClusterIp) notes.add(IP_DROPPED, `${describeObject(desired)} ${droppedClusterIp}`, 20);
}

function keepKnownOwners(p: PlannedObject, byUid: Map<string, PlannedObject>, notes: NoteBook): void {
  if (!p.owners) return;
  const kept = p.owners.filter((ref) => {
    const owner = byUid.get(ref.uid);
    const ok = owner !== undefined && sameScope(owner, p);
    if (!ok) notes.add('stale owner references dropped (owner not in the backup)', `${describeObject(p.head)} -> ${ref.kind} ${ref.name}`);
    return ok;
  });
  p.owners = kept.length ? kept : undefined;
}

/** Namespaced owners must live in the dependent's namespace; cluster-scoped owners fit anyone. */
function sameScope(owner: PlannedObject, dependent: PlannedObject): boolean {
  return !owner.head.metadata.namespace || owner.head.metadata.namespace === dependent.head.metadata.namespace;
}

function placeByOwners(planned: PlannedObject[], byUid: Map<string, PlannedObject>): void {
  const done = new Set<PlannedObject>();
  const visiting = new Set<PlannedObject>();
  const place = (p: PlannedObject): void => {
    if (done.has(p) || visiting.has(p)) return;
    visiting.add(p);
    for (const ref of p.owners ?? []) {
      const owner = byUid.get(ref.uid);
      if (!owner) continue;
      place(owner);
      const ownerRank = tierRank(owner.tier);
      if (ownerRank > tierRank(p.tier) || (ownerRank === tierRank(p.tier) && owner.level >= p.level)) {
        p.tier = owner.tier;
        p.level = owner.level + 1;
      }
    }
    visiting.delete(p);
    done.add(p);
  };
  planned.forEach(place);
}

function groupSteps(planned: PlannedObject[]): PlanStep[] {
  const steps = new Map<string, PlanStep>();
  for (const p of planned) {
    const id = `${tierRank(p.tier)}:${p.level}`;
    let step = steps.get(id);
    if (!step) steps.set(id, (step = { tier: p.tier, level: p.level, objects: [] }));
    step.objects.push(p);
  }
  return [...steps.values()].sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || a.level - b.level);
}

/** Owner references with every uid replaced by the restored owner's uid; references to owners that failed are dropped. */
export function rewriteOwners(refs: OwnerReference[] | undefined, newUids: Map<string, string>): OwnerReference[] | undefined {
  if (!refs) return undefined;
  const out = refs.flatMap((ref) => {
    const uid = newUids.get(ref.uid);
    return uid ? [{ ...ref, uid }] : [];
  });
  return out.length ? out : undefined;
}
