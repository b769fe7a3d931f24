import { describeColumnChanges, differingPaths } from './describe-changes.js';
import { fingerprintCrd, type CaBundlePrint, type CertificatePrint, type CrdFingerprint, type VersionPrint } from './fingerprint.js';
import type { CrdNeed } from './needs.js';
import type { CrdObject } from './validate-cr.js';

export type CrdPart =
  | 'crd'
  | 'names'
  | 'scope'
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
export function compareCrd(name: string, baseline: CrdFingerprint | undefined, current: CrdObject | undefined, needs: readonly CrdNeed[], now = Date.now()): CrdProblem[] {
  if (!current) {
    return [{ crd: name, part: 'crd', detail: 'the CRD does not exist', recommendation: 'include CustomResourceDefinitions in the backup and restore them before their custom resources' }];
  }
  const printNow = fingerprintCrd(current);
  const problems: CrdProblem[] = [];
  const add = (part: CrdPart, detail: string, recommendation: string, version?: string) =>
    problems.push({ crd: name, ...(version ? { version } : {}), part, detail, recommendation });
  for (const [version, print] of Object.entries(baseline?.versions ?? {})) {
    if (print.served && !printNow.versions[version]?.served) {
      add('served', `version ${version} was served at baseline and ${printNow.versions[version] ? 'is not served' : 'is missing'} now`,
        `the backup is missing CRD version ${version}: back up and restore the CRD with all its versions, not an older manifest`, version);
    }
  }
  for (const [version, print] of Object.entries(printNow.versions)) {
    if (baseline && print.served && !baseline.versions[version]?.served) {
      add('served', `version ${version} is served now and was not at baseline`, REVISION, version);
    }
  }
  if (baseline) compareIdentity(baseline, printNow, add);
  for (const need of needs) checkNeed(need, printNow, add);
  checkStorage(current, printNow, baseline, add);
  checkConversion(printNow, baseline, add, now);
  for (const [version, print] of Object.entries(baseline?.versions ?? {})) {
    const after = printNow.versions[version];
    if (after) compareVersion(version, print, after, add);
  }
  checkConditions(current, add);
  return problems;
}

type Add = (part: CrdPart, detail: string, recommendation: string, version?: string) => void;

const REVISION = 'the restored CRD is not the revision that was backed up: restore the CRD from the backup before its custom resources';

/** Names (plural, singular, kind, listKind, shortNames, categories) and scope: what clients, RBAC and kubectl use. */
function compareIdentity(baseline: CrdFingerprint, now: CrdFingerprint, add: Add): void {
  // Baselines of older captures have no names: compare what both have.
  const before = (baseline.names ?? {}) as unknown as Record<string, unknown>;
  const after = now.names as unknown as Record<string, unknown>;
  for (const field of Object.keys(before)) {
    if (JSON.stringify(before[field]) !== JSON.stringify(after[field])) {
      add('names', `names.${field} changed from ${JSON.stringify(before[field])} to ${JSON.stringify(after[field])}`, `${REVISION}; clients, RBAC rules and kubectl use these names`);
    }
  }
  if (baseline.scope !== now.scope) {
    add('scope', `scope changed from ${baseline.scope} to ${now.scope}: every custom resource is addressed differently`, REVISION);
  }
}

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

/**
 * Versions `status.storedVersions` listed at baseline and no longer lists. Not a failure by itself: a CRD restored by
 * re-creating it and its objects stores them all at the storage version (the server starts storedVersions afresh).
 * It matters only if objects encoded at a lost version survived in etcd: nothing then stops that version's removal.
 */
export function lostStoredVersions(baseline: CrdFingerprint | undefined, current: CrdObject): string | undefined {
  const stored = ((current.status as { storedVersions?: string[] } | undefined)?.storedVersions ?? []);
  const lost = (baseline?.storedVersions ?? []).filter((v) => !stored.includes(v));
  if (!lost.length) return undefined;
  return `status.storedVersions lost ${lost.join(', ')} (baseline: ${baseline!.storedVersions.join(', ')}; now: ${stored.join(', ') || 'none'}): right when every object was re-created at the storage version; if objects encoded at ${lost.join(', ')} survived in etcd, migrate them before removing that version`;
}

function checkConversion(now: CrdFingerprint, baseline: CrdFingerprint | undefined, add: Add, at: number): void {
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
  if (c.caBundle) checkCaBundle(c.caBundle, b?.caBundle, add, at);
}

const CA_ADVICE = 'restore the caBundle with the CRD (or let the CA injector, e.g. cert-manager cainjector, refresh it) so the apiserver trusts the webhook';

function checkCaBundle(now: CaBundlePrint, before: CaBundlePrint | undefined, add: Add, at: number): void {
  if ('error' in now) {
    add('conversion', `conversion webhook caBundle ${now.error}`, CA_ADVICE);
    return;
  }
  for (const cert of now.certificates) {
    if (Date.parse(cert.notAfter) < at) add('conversion', `conversion webhook caBundle certificate ${cert.subject} expired on ${cert.notAfter}`, CA_ADVICE);
  }
  if (!before || 'error' in before) return;
  const show = (p: { certificates: CertificatePrint[] }) => p.certificates.map((c) => `${c.subject} (until ${c.notAfter})`).join(', ');
  const ids = (p: { certificates: CertificatePrint[] }) => p.certificates.map((c) => c.sha256).sort().join(',');
  if (ids(before) !== ids(now)) {
    add('conversion', `conversion webhook caBundle changed from ${show(before)} to ${show(now)}`, CA_ADVICE);
  }
}

function compareVersion(version: string, before: VersionPrint, after: VersionPrint, add: Add): void {
  const rec = REVISION;
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
