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
  /** Objects whose /status took the witness condition (read back in write mode, in the answer in dry-run mode). */
  proven: number;
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
 * or the deadline passes; then it removes its condition again.
 */
export async function runWitness(client: KubeClient, target: WitnessTarget, options: WitnessOptions): Promise<WitnessReport> {
  const base = `/apis/${target.group}/${target.version}`;
  const nonce = randomBytes(6).toString('hex');
  const deadline = Date.now() + options.timeoutMs;
  const originals = new Map<string, { path: string; status: WitnessStatus; written?: string }>();
  const pruned = new Set<string>();
  let report: WitnessReport = { total: 0, reconciled: 0, proven: 0, failures: [], passes: 0, cleanedUp: 0, cleanupSkipped: [] };
  try {
    while (Date.now() < deadline && !options.signal?.aborted) {
      report = await witnessPass(client, { base, resource: target.resource, nonce, options, originals, pruned }, report.passes + 1);
      // Objects whose schema drops the condition will never show it: no point waiting for them.
      if (report.total === report.reconciled && report.total === report.proven + pruned.size) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    if (options.mode === 'write') Object.assign(report, await cleanUp(client, originals, options.restoreStatus));
  }
  return report;
}

interface PassContext {
  base: string;
  resource: string;
  nonce: string;
  options: WitnessOptions;
  originals: Map<string, { path: string; status: WitnessStatus; written?: string }>;
  /** Objects whose status schema dropped the witness condition. */
  pruned: Set<string>;
}

async function witnessPass(client: KubeClient, p: PassContext, pass: number): Promise<WitnessReport> {
  const list = await client.listAll(`${p.base}/${p.resource}`);
  const failures: string[] = [];
  let reconciled = 0;
  let proven = 0;
  for (const obj of list.items) {
    const name = `${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
    let seen = obj;
    if (p.pruned.has(name)) {
      if (isReconciled(obj)) reconciled++;
      failures.push(`${name}: the status subresource took the write but dropped status.conditions (its schema prunes them)`);
      continue;
    }
    if (!(isReconciled(obj) && carriesNonce(obj, p.nonce))) {
      try {
        seen = await writeStatus(client, p, obj);
      } catch (error) {
        if (isReconciled(obj)) reconciled++;
        failures.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
        continue;
      }
    }
    const ok = isReconciled(seen);
    if (ok) reconciled++;
    // In write mode only a read-back (the next pass's LIST) counts; in dry-run mode the answer is all there is.
    const read = p.options.mode === 'dry-run' ? seen : obj;
    if (carriesNonce(read, p.nonce)) proven++;
    else if (seen !== obj && !carriesNonce(seen, p.nonce)) {
      p.pruned.add(name);
      failures.push(`${name}: the status subresource took the write but dropped status.conditions (its schema prunes them)`);
    }
  }
  return { total: list.items.length, reconciled, proven, failures, passes: pass, cleanedUp: 0, cleanupSkipped: [] };
}

async function writeStatus(client: KubeClient, p: PassContext, obj: KubeObject): Promise<KubeObject> {
  const ns = obj.metadata.namespace;
  const path = `${p.base}${ns ? `/namespaces/${ns}` : ''}/${p.resource}/${obj.metadata.name}/status`;
  const status = (obj.status ?? {}) as WitnessStatus;
  const key = path;
  if (!p.originals.has(key)) p.originals.set(key, { path, status: structuredClone(status) });
  const witness: Condition = {
    type: WITNESS_CONDITION,
    status: 'True',
    reason: 'Witnessed',
    message: `kdrill witness ${p.nonce}`,
    lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ...(obj.metadata.generation !== undefined ? { observedGeneration: obj.metadata.generation } : {}),
  };
  const body = {
    metadata: { resourceVersion: obj.metadata.resourceVersion },
    status: {
      ...(isReconciled(obj) ? {} : { observedGeneration: obj.metadata.generation, phase: 'Reconciled' }),
      conditions: [...(status.conditions ?? []).filter((c) => c.type !== WITNESS_CONDITION), witness],
    },
  };
  const result = await client.request<KubeObject>('PATCH', path, {
    body,
    contentType: 'application/merge-patch+json',
    ...(p.options.mode === 'dry-run' ? { query: { dryRun: 'All' } } : {}),
  });
  if (p.options.mode === 'write') p.originals.get(key)!.written = result.metadata.resourceVersion;
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
