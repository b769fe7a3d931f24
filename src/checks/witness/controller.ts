import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../kube/types.js';

export interface WitnessTarget {
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
}

export interface WitnessReport {
  total: number;
  reconciled: number;
  /** `namespace/name: reason` of objects it could not reconcile. */
  failures: string[];
  passes: number;
}

/**
 * kdrill's witness controller: the smallest useful operator. For every object of its resource it writes
 * `status.observedGeneration = metadata.generation` and `status.phase = Reconciled` through the status subresource,
 * exactly as a real controller acknowledges a spec. It runs until every object is reconciled or the deadline passes.
 */
export async function runWitness(client: KubeClient, target: WitnessTarget, options: { timeoutMs: number; signal?: AbortSignal }): Promise<WitnessReport> {
  const base = `/apis/${target.group}/${target.version}`;
  const deadline = Date.now() + options.timeoutMs;
  let report: WitnessReport = { total: 0, reconciled: 0, failures: [], passes: 0 };
  while (Date.now() < deadline && !options.signal?.aborted) {
    report = await reconcilePass(client, base, target.resource, report.passes + 1);
    if (report.total === report.reconciled) return report;
    await new Promise((r) => setTimeout(r, 250));
  }
  return report;
}

async function reconcilePass(client: KubeClient, base: string, resource: string, pass: number): Promise<WitnessReport> {
  const list = await client.listAll(`${base}/${resource}`);
  const failures: string[] = [];
  let reconciled = 0;
  for (const obj of list.items) {
    if (isReconciled(obj)) {
      reconciled++;
      continue;
    }
    const ns = obj.metadata.namespace;
    const path = `${base}${ns ? `/namespaces/${ns}` : ''}/${resource}/${obj.metadata.name}/status`;
    try {
      await client.request('PATCH', path, {
        body: { status: { observedGeneration: obj.metadata.generation, phase: 'Reconciled' } },
        contentType: 'application/merge-patch+json',
      });
    } catch (error) {
      failures.push(`${ns ? `${ns}/` : ''}${obj.metadata.name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { total: list.items.length, reconciled, failures, passes: pass };
}

function isReconciled(obj: KubeObject): boolean {
  const status = obj.status as { observedGeneration?: number } | undefined;
  return status?.observedGeneration !== undefined && status.observedGeneration === obj.metadata.generation;
}
