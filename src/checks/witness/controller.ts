import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../../kube/client.js';
import { isConflict } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';

export interface WitnessTarget {
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
}

export interface WitnessOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** `dry-run` sends every status write with dryRun=All: nothing persists (clusters kdrill may not write to). */
  mode: 'write' | 'dry-run';
  /** Put back what the witness changed besides its condition (observedGeneration, phase): on clusters kdrill did not create. */
  restoreStatus: boolean;
}

export interface WitnessReport {
  total: number;
  reconciled: number;
  /** Objects whose /status write is proven: the witness condition read back (in the answer, in dry-run mode), or a round trip. */
  proven: number;
  /** Of those, proven by a generation round trip (the status schema has no room for the condition). */
  roundTrips: number;
  /** `namespace/name: reason` of objects it could not reconcile or prove. */
  failures: string[];
  passes: number;
  /** Objects whose witness condition was removed again afterwards, and those that changed meanwhile (left alone). */
  cleanedUp: number;
  cleanupSkipped: string[];
}

/** The condition type the witness writes; a real controller never uses it. */
export const WITNESS_CONDITION = 'KdrillWitness';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

interface WitnessStatus {
  observedGeneration?: number;
  phase?: string;
  conditions?: Condition[];
}

/**
 * kdrill's witness controller: the smallest useful operator. For every object of its resource it writes, through the
 * status subresource, `observedGeneration = metadata.generation` and `phase = Reconciled` (where not reconciled yet)
 * and a `KdrillWitness` condition carrying a fresh nonce, on every object, so the check proves a /status write even
 * when everything is already reconciled. It reads the objects back until every one shows the nonce and its generation,
 * or the deadline passes; then it removes its condition again. Where the status schema has no room for conditions
 * (the server prunes them), the proof is a generation round trip instead: `observedGeneration` one below the
 * generation, as after a spec change, then reconciled again; both writes come back from the server.
 */
export async function runWitness(client: KubeClient, target: WitnessTarget, options: WitnessOptions): Promise<WitnessReport> {
  const p: PassContext = {
    base: `/apis/${target.group}/${target.version}`,
    resource: target.resource,
    nonce: randomBytes(6).toString('hex'),
    options,
    originals: new Map(),
    roundTrip: new Map(),
  };
  const deadline = Date.now() + options.timeoutMs;
  let report: WitnessReport = { total: 0, reconciled: 0, proven: 0, roundTrips: 0, failures: [], passes: 0, cleanedUp: 0, cleanupSkipped: [] };
  try {
    while (Date.now() < deadline && !options.signal?.aborted) {
      report = await witnessPass(client, p, report.passes + 1);
      if (report.total === report.reconciled && report.total === report.proven) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    if (options.mode === 'write') Object.assign(report, await cleanUp(client, p.originals, options.restoreStatus));
  }
  return report;
}

interface PassContext {
  base: string;
  resource: string;
  nonce: string;
  options: WitnessOptions;
  originals: Map<string, { path: string; status: WitnessStatus; written?: string }>;
  /** Objects whose status schema drops conditions: `pending` until their round trip came back, then `proven`. */
  roundTrip: Map<string, 'pending' | 'proven'>;
}

async function witnessPass(client: KubeClient, p: PassContext, pass: number): Promise<WitnessReport> {
  const list = await client.listAll(`${p.base}/${p.resource}`);
  const report: WitnessReport = { total: list.items.length, reconciled: 0, proven: 0, roundTrips: 0, failures: [], passes: pass, cleanedUp: 0, cleanupSkipped: [] };
  for (const obj of list.items) {
    const name = `${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    let seen = obj;
    try {
      seen = await witnessObject(client, p, obj, name);
    } catch (error) {
      report.failures.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
    }
    if (isReconciled(seen)) report.reconciled++;
    // In write mode only a read-back (a later pass's LIST) shows the condition; in dry-run mode the answer is all there is.
    const shown = p.options.mode === 'dry-run' ? seen : obj;
    if (p.roundTrip.get(name) === 'proven') {
      report.proven++;
      report.roundTrips++;
    } else if (carriesNonce(shown, p.nonce)) report.proven++;
  }
  return report;
}

/** One object's witness write, when it still needs one; returns the object as the server answered (or as listed). */
async function witnessObject(client: KubeClient, p: PassContext, obj: KubeObject, name: string): Promise<KubeObject> {
  const state = p.roundTrip.get(name);
  if (state === 'proven') return obj;
  if (state === 'pending') return roundTrip(client, p, obj, name);
  if (isReconciled(obj) && carriesNonce(obj, p.nonce)) return obj;
  const answer = await writeStatus(client, p, obj, witnessBody(obj, p.nonce));
  if (carriesNonce(answer, p.nonce)) return answer;
  p.roundTrip.set(name, 'pending');
  return roundTrip(client, p, answer, name);
}

/** observedGeneration one behind (as a spec change leaves it), then caught up: two status writes the server must keep. */
async function roundTrip(client: KubeClient, p: PassContext, obj: KubeObject, name: string): Promise<KubeObject> {
  const generation = obj.metadata.generation ?? 1;
  const behind = await writeStatus(client, p, obj, { status: { observedGeneration: generation - 1 } });
  if ((behind.status as WitnessStatus | undefined)?.observedGeneration !== generation - 1) {
    throw new Error('the status subresource took the write but dropped status.observedGeneration (its schema prunes it)');
  }
  const next = p.options.mode === 'dry-run' ? obj : behind;
  const caught = await writeStatus(client, p, next, { status: { observedGeneration: generation, ...(isReconciled(obj) ? {} : { phase: 'Reconciled' }) } });
  if (isReconciled(caught)) p.roundTrip.set(name, 'proven');
  return caught;
}

function witnessBody(obj: KubeObject, nonce: string): { status: WitnessStatus } {
  const witness: Condition = {
    type: WITNESS_CONDITION,
    status: 'True',
    reason: 'Witnessed',
    message: `kdrill witness ${nonce}`,
    lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ...(obj.metadata.generation !== undefined ? { observedGeneration: obj.metadata.generation } : {}),
  };
  const status = (obj.status ?? {}) as WitnessStatus;
  return {
    status: {
      ...(isReconciled(obj) ? {} : { observedGeneration: obj.metadata.generation, phase: 'Reconciled' }),
      conditions: [...(status.conditions ?? []).filter((c) => c.type !== WITNESS_CONDITION), witness],
    },
  };
}

/** A merge patch of /status guarded by the object's resourceVersion (never over a concurrent writer); dry run when asked. */
async function writeStatus(client: KubeClient, p: PassContext, obj: KubeObject, patch: { status: WitnessStatus }): Promise<KubeObject> {
  const ns = obj.metadata.namespace;
  const path = `${p.base}${ns ? `/namespaces/${ns}` : ''}/${p.resource}/${obj.metadata.name}/status`;
  if (!p.originals.has(path)) p.originals.set(path, { path, status: structuredClone((obj.status ?? {}) as WitnessStatus) });
  const result = await client.request<KubeObject>('PATCH', path, {
    body: { metadata: { resourceVersion: obj.metadata.resourceVersion }, ...patch },
    contentType: 'application/merge-patch+json',
    ...(p.options.mode === 'dry-run' ? { query: { dryRun: 'All' } } : {}),
  });
  if (p.options.mode === 'write') p.originals.get(path)!.written = result.metadata.resourceVersion;
  return result;
}

/** Removes the witness condition (and, on foreign clusters, puts observedGeneration and phase back) where nothing else wrote since. */
async function cleanUp(client: KubeClient, originals: PassContext['originals'], restoreStatus: boolean): Promise<Pick<WitnessReport, 'cleanedUp' | 'cleanupSkipped'>> {
  let cleanedUp = 0;
  const cleanupSkipped: string[] = [];
  for (const { path, status, written } of originals.values()) {
    if (!written) continue;
    const conditions = (status.conditions ?? []).filter((c) => c.type !== WITNESS_CONDITION);
    const back = {
      conditions: conditions.length ? conditions : null,
      ...(restoreStatus ? { observedGeneration: status.observedGeneration ?? null, phase: status.phase ?? null } : {}),
    };
    try {
      await client.request('PATCH', path, { body: { metadata: { resourceVersion: written }, status: back }, contentType: 'application/merge-patch+json' });
      cleanedUp++;
    } catch (error) {
      if (!isConflict(error)) throw error;
      cleanupSkipped.push(path);
    }
  }
  return { cleanedUp, cleanupSkipped };
}

function isReconciled(obj: KubeObject): boolean {
  const status = obj.status as WitnessStatus | undefined;
  return status?.observedGeneration !== undefined && status.observedGeneration === obj.metadata.generation;
}

function carriesNonce(obj: KubeObject, nonce: string): boolean {
  const conditions = (obj.status as WitnessStatus | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === WITNESS_CONDITION && c.message === `kdrill witness ${nonce}`);
}
