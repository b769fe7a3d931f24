import { describeColumnChanges, differingPaths } from './describe-changes.js';
import { fingerprintCrd, type CrdFingerprint, type VersionPrint } from './fingerprint.js';
import type { CrdNeed } from './needs.js';
import type { CrdObject } from './validate-cr.js';

export type CrdPart =
  | 'crd'
  | 'served'
  | 'storage'
  | 'storedVersions'
  | 'conversion'
  | 'schema'
  | 'subresources'
  | 'printerColumns'
  | 'conditions'
  | 'count'
  | 'resources';

/** One incompatibility: which CRD, which version, which part, what differs, and what to do about it. */
export interface CrdProblem {
  crd: string;
  version?: string;
  part: CrdPart;
  detail: string;
  recommendation: string;
}

/** Compare a CRD after the restore with its baseline fingerprint (if any) and with what controllers need. */
export function compareCrd(name: string, baseline: CrdFingerprint | undefined, current: CrdObject | undefined, needs: readonly CrdNeed[]): CrdProblem[] {
  if (!current) {
    return [{ crd: name, part: 'crd', detail: 'the CRD does not exist', recommendation: 'include CustomResourceDefinitions in the backup and restore them before their custom resources' }];
  }
  const now = fingerprintCrd(current);
  const problems: CrdProblem[] = [];
  const add = (part: CrdPart, detail: string, recommendation: string, version?: string) =>
    problems.push({ crd: name, ...(version ? { version } : {}), part, detail, recommendation });
  for (const [version, print] of Object.entries(baseline?.versions ?? {})) {
    if (print.served && !now.versions[version]?.served) {
      add('served', `version ${version} was served at baseline and ${now.versions[version] ? 'is not served' : 'is missing'} now`,
        `the backup is missing CRD version ${version}: back up and restore the CRD with all its versions, not an older manifest`, version);
    }
  }
  for (const need of needs) checkNeed(need, now, add);
  checkStorage(current, now, baseline, add);
  checkConversion(now, baseline, add);
  for (const [version, print] of Object.entries(baseline?.versions ?? {})) {
    const after = now.versions[version];
    if (after) compareVersion(version, print, after, add);
  }
  checkConditions(current, add);
  return problems;
}

type Add = (part: CrdPart, detail: string, recommendation: string, version?: string) => void;

function checkNeed(need: CrdNeed, now: CrdFingerprint, add: Add): void {
  for (const version of need.versions) {
    if (now.versions[version]?.served) continue;
    const state = now.versions[version] ? 'is not served' : 'is missing';
    add('served', `version ${version} needed by ${need.source} ${state}`,
      `the backup is missing CRD version ${version} that ${need.source} needs: include all versions in the backup / upgrade the controller`, version);
  }
  if (need.storageVersion && need.storageVersion !== now.storageVersion) {
    add('storage', `${need.source} needs storage version ${need.storageVersion}, the CRD stores ${now.storageVersion ?? 'nothing'}`,
      `restore the CRD revision that ${need.source} was built for, or upgrade the controller`, need.storageVersion);
  }
}

function checkStorage(current: CrdObject, now: CrdFingerprint, baseline: CrdFingerprint | undefined, add: Add): void {
  const storage = Object.entries(now.versions).filter(([, v]) => v.storage).map(([n]) => n);
  if (storage.length !== 1) {
    add('storage', `${storage.length} storage versions (${storage.join(', ') || 'none'}); exactly one is required`, 'restore the CRD from the backup unmodified');
  }
  if (baseline?.storageVersion && storage.length === 1 && baseline.storageVersion !== now.storageVersion) {
    add('storage', `storage version changed from ${baseline.storageVersion} to ${now.storageVersion}`,
      'an older or newer CRD was restored: restore the CRD revision that was backed up', now.storageVersion);
  }
  const stored = ((current.status as { storedVersions?: string[] } | undefined)?.storedVersions ?? []);
  const unknown = stored.filter((v) => !now.versions[v]);
  if (unknown.length) {
    add('storedVersions', `status.storedVersions lists ${unknown.join(', ')}, which spec.versions lacks: objects stored at it cannot be decoded`,
      'restore the CRD with every version still in storedVersions, or migrate the stored objects before removing a version', unknown[0]);
  }
}

function checkConversion(now: CrdFingerprint, baseline: CrdFingerprint | undefined, add: Add): void {
  const c = now.conversion;
  if (c.strategy === 'Webhook' && !c.endpoint) {
    add('conversion', 'conversion strategy Webhook without a service or url', 'restore the CRD with its conversion webhook clientConfig');
  }
  if (c.strategy === 'Webhook' && !c.caBundle) {
    add('conversion', `conversion webhook (${c.endpoint ?? 'no endpoint'}) has no caBundle`,
      'restore the caBundle with the CRD, or let the CA injector (e.g. cert-manager cainjector) run before controllers start');
  }
  const b = baseline?.conversion;
  if (b && (b.strategy !== c.strategy || b.endpoint !== c.endpoint)) {
    add('conversion', `conversion changed from ${b.strategy}${b.endpoint ? ` (${b.endpoint})` : ''} to ${c.strategy}${c.endpoint ? ` (${c.endpoint})` : ''}`,
      'restore the CRD revision that was backed up');
  }
}

function compareVersion(version: string, before: VersionPrint, after: VersionPrint, add: Add): void {
  const rec = 'the restored CRD is not the revision that was backed up: restore the CRD from the backup before its custom resources';
  if (before.schemaHash !== after.schemaHash) {
    add('schema', `schema of ${version} differs at ${differingPaths(before.schema, after.schema).join(', ')}`, rec, version);
  }
  if (before.subresourcesHash !== after.subresourcesHash) {
    add('subresources', `subresources of ${version} differ at ${differingPaths(before.subresources, after.subresources).join(', ')}`, rec, version);
  }
  if (before.printerColumnsHash !== after.printerColumnsHash) {
    add('printerColumns', `printer columns of ${version}: ${describeColumnChanges(before.printerColumns, after.printerColumns).join('; ')}`, rec, version);
  }
}

function checkConditions(current: CrdObject, add: Add): void {
  const conditions = ((current.status as { conditions?: { type: string; status: string; reason?: string }[] } | undefined)?.conditions ?? []);
  for (const type of ['Established', 'NamesAccepted']) {
    const cond = conditions.find((c) => c.type === type);
    if (cond?.status !== 'True') {
      add('conditions', `condition ${type} is ${cond ? `${cond.status}${cond.reason ? ` (${cond.reason})` : ''}` : 'absent'}`,
        type === 'NamesAccepted' ? 'another CRD claims the same names: remove the conflicting CRD' : 'wait for the apiserver to establish the CRD; check the apiserver log');
    }
  }
}
