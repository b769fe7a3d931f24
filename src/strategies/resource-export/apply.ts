import { isKdrillError, KdrillError } from '../../core/errors.js';
import { FIELD_MANAGER, type KubeClient } from '../../kube/client.js';
import { isConflict, KubeApiError } from '../../kube/errors.js';
import { objectPath } from '../../kube/paths.js';
import type { KubeObject } from '../../kube/types.js';
import { isImmutableChange, shorten } from './api-errors.js';
import { fieldDrift, LEFT_TO_CLUSTER, removalPatch, type FieldDrift } from './ownership.js';
import { comparable, isSubset } from './compare.js';
import { dryRunAction, type PlanEntry } from './dry-run.js';
import type { RestoreOptions } from './options.js';
import { describeObject, type NoteBook } from './notes.js';
import { applyBody, neverRecreated, rewriteOwners, type PlannedObject } from './plan.js';
import type { SanitizeOptions } from './sanitize.js';
import { mapLimit } from '../../core/map-limit.js';
import type { KindResolver } from './resolver.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { withoutClusterIp } from './service-ips.js';
import { waitGone } from './waits.js';

/** The client calls a restore makes (a narrow type, so unit tests can pass a fake). */
export type ApiClient = Pick<KubeClient, 'get' | 'getOptional' | 'listAll' | 'apply' | 'delete' | 'request'>;

/** What happened to one object. */
export type Outcome = 'created' | 'updated' | 'unchanged' | 'recreated' | 'skipped' | 'failed';

/** Everything applying needs, shared by every step of one restore. */
export interface ApplyEnv {
  client: ApiClient;
  resolver: KindResolver;
  options: RestoreOptions;
  /** How apply bodies are made from the backed-up objects (namespace map, node ports, the target's Service ranges). */
  sanitize: SanitizeOptions;
  policy: RetryPolicy;
  /** Backup uid → restored uid of each owner, filled as owners are applied (dependents' owner references use it). */
  newUids: Map<string, string>;
  notes: NoteBook;
  /** Per-object actions, kept for dry runs. */
  entries: PlanEntry[];
  /** Throws E_UNSAFE_TARGET unless deleting live objects is allowed on this cluster (contracts/guard.ts). */
  assertMayDelete(action: string, objects: string[]): void;
}

/** Applies objects of one step (all of it, or one batch) with bounded parallelism; returns how many ended in each outcome. */
export async function applyObjects(objects: PlannedObject[], live: Map<string, KubeObject>, env: ApplyEnv): Promise<Record<Outcome, number>> {
  const counts: Record<Outcome, number> = { created: 0, updated: 0, unchanged: 0, recreated: 0, skipped: 0, failed: 0 };
  await mapLimit(objects, env.options.parallelism, async (p) => {
    counts[await restoreSafely(p, live.get(p.key), env)]++;
  });
  return counts;
}

async function restoreSafely(p: PlannedObject, live: KubeObject | undefined, env: ApplyEnv): Promise<Outcome> {
  try {
    return await restoreObject(p, live, env);
  } catch (error) {
    // Aborts and refusals stop the restore; any other failure is one object's, noted, and the rest goes on.
    if (isKdrillError(error) && (error.code === 'E_ABORTED' || error.code === 'E_UNSAFE_TARGET')) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    env.notes.add('failed', `${describeObject(p.head)}: ${shorten(reason)}`, 20);
    if (env.options.dryRun) env.entries.push({ action: 'fail', object: describeObject(p.head), tier: p.tier, note: shorten(reason) });
    return 'failed';
  }
}

/**
 * Compare, then write only what differs (create what is missing; remove drift, apply what changed): a second restore
 * makes no write. Drift is what another field manager set that the backup does not have (see ownership.ts).
 */
async function restoreObject(p: PlannedObject, liveIn: KubeObject | undefined, env: ApplyEnv): Promise<Outcome> {
  throwIfAborted(env);
  const desired = withOwners(p, env);
  const served = await env.resolver.resolve(desired.apiVersion, desired.kind, env.policy.signal);
  if (!served && env.options.dryRun) return dryRunAction(p, desired, undefined, undefined, env);
  if (!served) {
    throw new KdrillError('E_KUBE_API', `${desired.apiVersion} ${desired.kind} is not served by the target cluster`, {
      hint: 'restore its CustomResourceDefinition (or the API it belongs to) first, or exclude the kind',
    });
  }
  const path = objectPath(desired.apiVersion, served.name, desired.metadata.name, served.namespaced ? desired.metadata.namespace : undefined);
  let live = liveIn;
  if (live?.metadata.deletionTimestamp && !env.options.dryRun) {
    await waitGone(env.client, path, env.policy, describeObject(desired));
    live = undefined;
  }
  const state = live ? compareLive(p, desired, live) : undefined;
  if (live && state && (state.clean || env.options.existing === 'skip')) {
    remember(p, live, env);
    noteKept(desired, state.drift.kept.filter((k) => k.why !== LEFT_TO_CLUSTER), env);
    const outcome = state.clean ? 'unchanged' : 'skipped';
    if (env.options.dryRun) env.entries.push({ action: outcome === 'unchanged' ? 'unchanged' : 'skip', object: describeObject(desired), tier: p.tier });
    return outcome;
  }
  if (env.options.dryRun) return dryRunAction(p, desired, path, live, env, state);
  const { outcome, result } =
    live && state ? await updateObject(path, p, desired, live, state, env) : { outcome: 'created' as const, result: await createOrApply(path, desired, env) };
  remember(p, result, env);
  if (p.status !== undefined && !isSubset(p.status, result.status)) await applyStatus(path, desired, p.status, env);
  return outcome;
}

/** How a live object differs from the backup: changed values, status, and fields to remove (drift). */
export interface LiveState {
  specMatches: boolean;
  statusMatches: boolean;
  drift: FieldDrift;
  clean: boolean;
}

/** Compares a planned object with its live counterpart. */
export function compareLive(p: Pick<PlannedObject, 'status' | 'original'>, desired: KubeObject, live: KubeObject): LiveState {
  const specMatches = isSubset(comparable(desired), live);
  const statusMatches = p.status === undefined || isSubset(p.status, live.status);
  const drift = fieldDrift(live, desired, p.original, FIELD_MANAGER);
  return { specMatches, statusMatches, drift, clean: specMatches && statusMatches && drift.revert.length === 0 };
}

/**
 * Brings an existing object back to the backup: first removes the fields another manager added (a JSON patch the
 * server refuses if the object changed since it was read), then applies the backup's values (server-side apply with
 * force: kdrill takes those fields back). An immutable field that differs means delete and recreate, where allowed;
 * storage objects are never recreated.
 */
async function updateObject(path: string, p: PlannedObject, desired: KubeObject, live: KubeObject, state: LiveState, env: ApplyEnv): Promise<{ outcome: Outcome; result: KubeObject }> {
  const name = describeObject(desired);
  try {
    let result = live;
    if (state.drift.revert.length) {
      result = await removeDrift(path, p, desired, live, env);
      for (const f of state.drift.revert) env.notes.add(DRIFT_TOPIC, `${name} ${f.path} (${f.manager})`, 20);
      noteKept(desired, state.drift.kept, env);
    }
    if (!state.specMatches) result = await withRetry(() => env.client.apply(path, desired), env.policy);
    return { outcome: 'updated', result };
  } catch (error) {
    if (!isImmutableChange(error)) throw error;
    if (neverRecreated(p)) {
      env.notes.add(NOT_RECREATED_TOPIC, `${name}: ${shorten((error as Error).message)}`, 20);
      return { outcome: 'skipped', result: live };
    }
    env.assertMayDelete('delete and recreate (an immutable field differs from the backup)', [name]);
    return { outcome: 'recreated', result: await recreate(path, desired, error, env) };
  }
}

/** The JSON patch removing drift; when the object changed in between (the `test` fails), read it again and retry. */
async function removeDrift(path: string, p: PlannedObject, desired: KubeObject, first: KubeObject, env: ApplyEnv): Promise<KubeObject> {
  let live = first;
  for (let attempt = 1; ; attempt++) {
    const fields = fieldDrift(live, desired, p.original, FIELD_MANAGER).revert;
    if (!fields.length) return live;
    try {
      const body = removalPatch(fields, live.metadata.resourceVersion);
      const query = { fieldManager: FIELD_MANAGER };
      return await withRetry(() => env.client.request<KubeObject>('PATCH', path, { body, contentType: 'application/json-patch+json', query }), env.policy);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof KubeApiError) || error.status !== 422 || isImmutableChange(error)) throw error;
      live = await withRetry(() => env.client.get<KubeObject>(path), env.policy);
    }
  }
}

const DRIFT_TOPIC = 'drift reverted (set by another field manager, not in the backup)';
const NOT_RECREATED_TOPIC = 'not recreated (deleting it can delete its volume and data): it differs from the backup in an immutable field';

function noteKept(desired: KubeObject, kept: FieldDrift['kept'], env: ApplyEnv): void {
  for (const k of kept) env.notes.add('kept (set by another field manager)', `${describeObject(desired)} ${k.path} (${k.manager}: ${k.why})`, 20);
}

/** E_ABORTED once the run's signal fired (Ctrl-C, phase timeout): a re-run picks up where this one stopped. */
export function throwIfAborted(env: Pick<ApplyEnv, 'policy'>): void {
  if (env.policy.signal?.aborted) throw new KdrillError('E_ABORTED', 'restore aborted', { hint: 'run the restore again: it applies only what is still missing or different' });
}

/** The apply body, its owner references pointing at the restored owners. */
function withOwners(p: PlannedObject, env: ApplyEnv): KubeObject {
  const desired = applyBody(p, env.sanitize);
  if (!p.owners) return desired;
  const rewritten = rewriteOwners(p.owners, env.newUids);
  if ((rewritten?.length ?? 0) < p.owners.length) env.notes.add('owner references dropped (owner failed to restore)', describeObject(p.head));
  if (rewritten) desired.metadata.ownerReferences = rewritten;
  else delete desired.metadata.ownerReferences;
  return desired;
}

function remember(p: PlannedObject, restored: KubeObject, env: ApplyEnv): void {
  if (p.owns && p.oldUid && restored.metadata.uid) env.newUids.set(p.oldUid, restored.metadata.uid);
}

async function recreate(path: string, desired: KubeObject, cause: unknown, env: ApplyEnv): Promise<KubeObject> {
  const name = describeObject(desired);
  env.notes.add('recreated (an immutable field differed: deleted, then applied)', `${name}: ${shorten((cause as Error).message)}`, 20);
  await withRetry(() => env.client.delete(path), env.policy);
  await waitGone(env.client, path, env.policy, name);
  return withClusterIpFallback(desired, env, (body) => withRetry(() => env.client.apply(path, body), env.policy));
}

/**
 * Creates an object the live LIST did not show: a POST (same field manager, strict field validation) costs the apiserver
 * about a third less than an apply that has to find out the object is new; when something created it meanwhile (409), apply.
 */
async function createOrApply(path: string, desired: KubeObject, env: ApplyEnv): Promise<KubeObject> {
  const collection = path.slice(0, path.lastIndexOf('/'));
  const query = { fieldManager: FIELD_MANAGER, fieldValidation: 'Strict' };
  return withClusterIpFallback(desired, env, async (body) => {
    try {
      return await withRetry(() => env.client.request<KubeObject>('POST', collection, { body, query }), env.policy);
    } catch (error) {
      if (!isConflict(error)) throw error;
      return withRetry(() => env.client.apply(path, body), env.policy);
    }
  });
}

/** A Service whose backed-up clusterIP the target cannot give (taken by another Service): written without it, and said so. */
async function withClusterIpFallback(desired: KubeObject, env: ApplyEnv, write: (body: KubeObject) => Promise<KubeObject>): Promise<KubeObject> {
  try {
    return await write(desired);
  } catch (error) {
    const ip = (desired.spec as { clusterIP?: string } | undefined)?.clusterIP;
    if (desired.kind !== 'Service' || !ip || !(error instanceof KubeApiError) || error.status !== 422 || !/failed to allocate IP/.test(error.message)) throw error;
    env.notes.add('Service clusterIP not kept (the target cannot allocate it): a new one was allocated', `${describeObject(desired)} ${ip}: ${shorten(error.message)}`, 20);
    return write(withoutClusterIp(desired));
  }
}

async function applyStatus(path: string, desired: KubeObject, status: unknown, env: ApplyEnv): Promise<void> {
  const { name, namespace } = desired.metadata;
  const body = { apiVersion: desired.apiVersion, kind: desired.kind, metadata: { name, ...(namespace ? { namespace } : {}) }, status };
  await withRetry(() => env.client.apply(`${path}/status`, body), env.policy);
}
