import { compareCrd } from '../checks/crd/compare-crd.js';
import { fingerprintCrd } from '../checks/crd/fingerprint.js';
import type { CrdObject } from '../checks/crd/validate-cr.js';
import type { KubeObject } from '../kube/types.js';

/** One CustomResourceDefinition that differs from the backup, and how. */
export interface CrdDrift {
  name: string;
  change: 'missing' | 'extra' | 'changed';
  /** `schema of v1 differs at properties.spec.properties.size.maximum`, `version v2 is served now, not in the backup`. */
  details: string[];
}

/** The parts of a CRD a backup fixes: versions (served, storage), schemas, subresources, printer columns, conversion. */
const COMPARED = new Set(['served', 'storage', 'conversion', 'schema', 'subresources', 'printerColumns']);

/** CRDs of the backup against the live ones, by name. */
export function compareCrds(backup: readonly KubeObject[], live: readonly KubeObject[]): { compared: number; drift: CrdDrift[] } {
  const now = new Map(live.map((c) => [c.metadata.name, c as unknown as CrdObject]));
  const then = new Map(backup.map((c) => [c.metadata.name, c as unknown as CrdObject]));
  const drift: CrdDrift[] = [];
  for (const [name, crd] of [...then].sort(([a], [b]) => a.localeCompare(b))) {
    const current = now.get(name);
    if (!current) {
      drift.push({ name, change: 'missing', details: ['the CRD is gone (and with it every custom resource of its kind)'] });
      continue;
    }
    const before = fingerprintCrd(crd);
    const details = compareCrd(name, before, current, []).filter((p) => COMPARED.has(p.part)).map((p) => p.detail);
    const after = fingerprintCrd(current);
    for (const version of Object.keys(after.versions)) if (!before.versions[version]) details.push(`version ${version} is in the CRD now, not in the backup`);
    if (before.scope !== after.scope) details.push(`scope changed from ${before.scope} to ${after.scope}`);
    if (details.length) drift.push({ name, change: 'changed', details: [...new Set(details)] });
  }
  for (const name of [...now.keys()].filter((n) => !then.has(n)).sort()) drift.push({ name, change: 'extra', details: ['the CRD is not in the backup'] });
  return { compared: then.size, drift };
}
