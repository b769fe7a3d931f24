import type { KubeObject } from '../../kube/types.js';

/** Deployments declare the CRD versions their controller needs with this annotation: `group/version,group/version`. */
export const NEEDS_ANNOTATION = 'kdrill.dev/needs-crd-versions';

/** CRD versions something depends on: a declared controller or an annotated Deployment. */
export interface CrdNeed {
  /** Who needs it, for messages: `controller widget-operator 1.4` or `Deployment ops/widget-operator`. */
  source: string;
  group: string;
  kind?: string;
  versions: string[];
  storageVersion?: string;
}

/** A controller as declared in crd-compat's options. */
export interface ControllerSpec {
  name: string;
  version?: string;
  needs: { group: string; kind?: string; versions: string[]; storageVersion?: string }[];
}

/** Flatten declared controllers into needs. */
export function needsFromControllers(controllers: readonly ControllerSpec[]): CrdNeed[] {
  return controllers.flatMap((c) =>
    c.needs.map((n) => ({ ...n, source: `controller ${c.name}${c.version ? ` ${c.version}` : ''}` })),
  );
}

/** Needs declared by Deployments through the annotation; malformed entries are returned as problems to report. */
export function needsFromDeployments(deployments: readonly KubeObject[]): { needs: CrdNeed[]; malformed: string[] } {
  const needs: CrdNeed[] = [];
  const malformed: string[] = [];
  for (const d of deployments) {
    const value = d.metadata.annotations?.[NEEDS_ANNOTATION];
    if (value === undefined) continue;
    const source = `Deployment ${d.metadata.namespace}/${d.metadata.name}`;
    const byGroup = new Map<string, string[]>();
    for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
      const slash = entry.lastIndexOf('/');
      if (slash <= 0 || slash === entry.length - 1) {
        malformed.push(`${source}: "${entry}" is not group/version`);
        continue;
      }
      const group = entry.slice(0, slash);
      byGroup.set(group, [...(byGroup.get(group) ?? []), entry.slice(slash + 1)]);
    }
    for (const [group, versions] of byGroup) needs.push({ source, group, versions });
  }
  return { needs, malformed };
}

/** Merge two need lists, dropping exact duplicates. */
export function mergeNeeds(a: readonly CrdNeed[], b: readonly CrdNeed[]): CrdNeed[] {
  const seen = new Map<string, CrdNeed>();
  for (const need of [...a, ...b]) seen.set(JSON.stringify([need.source, need.group, need.kind, [...need.versions].sort(), need.storageVersion]), need);
  return [...seen.values()];
}

/** True when a need applies to the CRD with this group and kind. */
export function needApplies(need: CrdNeed, group: string, kind: string): boolean {
  return need.group === group && (!need.kind || need.kind === kind);
}
