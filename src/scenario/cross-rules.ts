import type { RawProblem } from './ajv-problems.js';
import type { PluginCatalog } from './catalog.js';
import { isDuration, parseDuration } from './duration.js';
import { formatPath, type Segment } from './positions.js';
import { isRecord, recordItems } from './records.js';

/** Rules that span fields: restore targets vs strategy, `after` vs `during`, unique check names, positive objectives. */
export function checkCrossFields(spec: Record<string, unknown>, catalog: PluginCatalog): RawProblem[] {
  return [
    ...restoreTarget(spec, catalog), ...isolatedTarget(spec), ...existingBackup(spec), ...chaosTiming(spec), ...uniqueCheckNames(spec), ...positiveDurations(spec),
    ...etcdMembersNeeded(spec),
  ];
}

/** What needs a multi-member etcd, and how many members. */
const NEEDS_MEMBERS = { 'quorum-loss': 3, 'etcd-member-replace': 3 } as const;

/**
 * On the local provider the member count is known before anything starts: a step or strategy that needs a quorum
 * to lose or a member to replace is refused at validation, not minutes into a drill.
 */
function etcdMembersNeeded(spec: Record<string, unknown>): RawProblem[] {
  const { cluster, backup, chaos } = spec;
  if (!isRecord(cluster) || cluster.provider !== 'local') return [];
  const members = isRecord(cluster.options) && typeof cluster.options.etcdMembers === 'number' ? cluster.options.etcdMembers : 1;
  const needs = (id: unknown): number => (typeof id === 'string' && Object.hasOwn(NEEDS_MEMBERS, id) ? NEEDS_MEMBERS[id as keyof typeof NEEDS_MEMBERS] : 0);
  const problem = (path: Segment[], what: string, needed: number): RawProblem => ({
    path,
    at: 'value',
    message: `${what} needs ${needed} or more etcd members; this local cluster has ${members}`,
    hint: `set spec.cluster.options.etcdMembers: ${needed}`,
  });
  const problems: RawProblem[] = [];
  if (isRecord(backup) && needs(backup.strategy) > members) problems.push(problem(['spec', 'backup', 'strategy'], `strategy ${String(backup.strategy)}`, needs(backup.strategy)));
  for (const [index, item] of recordItems(chaos)) {
    if (needs(item.step) > members) problems.push(problem(['spec', 'chaos', index, 'step'], `chaos step ${String(item.step)}`, needs(item.step)));
  }
  return problems;
}

/** An isolated target is a new cluster: a provider that only points at an existing cluster cannot be one. */
function isolatedTarget(spec: Record<string, unknown>): RawProblem[] {
  const { restore } = spec;
  if (!isRecord(restore) || !isRecord(restore.target) || restore.target.provider !== 'kubeconfig') return [];
  return [{
    path: ['spec', 'restore', 'target', 'provider'],
    at: 'value',
    message: 'an isolated restore target must be a cluster kdrill creates; the kubeconfig provider points at an existing one',
    hint: 'use provider local (or k3s, kind), or restore into the source with target: same and cluster.allowDestructive: true',
  }];
}

/**
 * An existing backup is a kdrill backup (store, id) or a plain etcd snapshot file (etcdSnapshot, material), not both.
 * A kdrill backup was sealed with a real key: a drill's throw-away key cannot open it.
 */
function existingBackup(spec: Record<string, unknown>): RawProblem[] {
  const { backup } = spec;
  if (!isRecord(backup) || !isRecord(backup.from)) return [];
  const from = backup.from;
  if (typeof from.etcdSnapshot === 'string') return plainSnapshot(from, backup);
  if (from.material !== undefined) {
    return [{ path: ['spec', 'backup', 'from', 'material'], at: 'key', message: 'material goes with a plain etcd snapshot (etcdSnapshot)', hint: 'add etcdSnapshot: FILE, or remove material (a kdrill backup carries its own)' }];
  }
  if (isRecord(backup.kms)) return [];
  return [{
    path: ['spec', 'backup', 'from'],
    at: 'key',
    message: 'backup.from reads backups made with a key: the scenario must say which one in backup.kms',
    hint: 'add backup.kms with the provider and options kdrill backup used (e.g. provider: local, options: {keyFile: ...})',
  }];
}

function plainSnapshot(from: Record<string, unknown>, backup: Record<string, unknown>): RawProblem[] {
  const problems: RawProblem[] = [];
  for (const field of ['store', 'id'].filter((f) => from[f] !== undefined)) {
    problems.push({ path: ['spec', 'backup', 'from', field], at: 'key', message: `${field} names a kdrill backup, etcdSnapshot a plain snapshot file: give one or the other`, hint: `remove ${field}, or remove etcdSnapshot and material` });
  }
  if (backup.strategy !== 'etcd-snapshot') {
    problems.push({ path: ['spec', 'backup', 'strategy'], at: 'value', message: 'a plain etcd snapshot (backup.from.etcdSnapshot) is restored by the etcd-snapshot strategy', hint: 'set backup.strategy: etcd-snapshot' });
  }
  return problems;
}

function restoreTarget(spec: Record<string, unknown>, catalog: PluginCatalog): RawProblem[] {
  const { restore, backup } = spec;
  if (!isRecord(restore)) return [];
  // An isolated target ({provider, options}) is a fresh cluster as far as the strategy is concerned.
  const wanted = typeof restore.target === 'string' ? restore.target : isRecord(restore.target) ? 'fresh' : undefined;
  // Any other value is the schema's to report.
  if (wanted !== 'same' && wanted !== 'fresh') return [];
  const strategyId = restore.strategy ?? (isRecord(backup) ? backup.strategy : undefined);
  if (typeof strategyId !== 'string' || !Object.hasOwn(catalog.strategies, strategyId)) return [];
  const targets = catalog.strategies[strategyId]?.targets;
  if (!targets || targets.includes(wanted)) return [];
  const able = Object.entries(catalog.strategies)
    .filter(([, entry]) => entry.targets?.includes(wanted))
    .map(([id]) => id)
    .sort();
  const supported = targets.length ? targets.join(', ') : 'none';
  return [
    {
      path: ['spec', 'restore', 'target'],
      at: 'value',
      message: `restore target "${wanted}" is not supported by strategy "${strategyId}" (it supports: ${supported})`,
      hint: able.length ? `use a strategy that supports it (${able.join(', ')}) in restore.strategy, or change the target` : 'change the target',
    },
  ];
}

function chaosTiming(spec: Record<string, unknown>): RawProblem[] {
  return recordItems(spec.chaos)
    .filter(([, step]) => step.after !== undefined && step.during !== 'restore')
    .map(([i]) => ({
      path: ['spec', 'chaos', i, 'after'],
      at: 'key' as const,
      message: '"after" only applies to steps with during: restore',
      hint: 'add `during: restore` to run the step while the restore is in progress, or remove `after`',
    }));
}

function uniqueCheckNames(spec: Record<string, unknown>): RawProblem[] {
  const seen = new Map<string, number>();
  const problems: RawProblem[] = [];
  for (const [i, check] of recordItems(spec.checks)) {
    const field = typeof check.name === 'string' ? 'name' : 'check';
    const name = check[field];
    if (typeof name !== 'string') continue;
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, i);
      continue;
    }
    problems.push({
      path: ['spec', 'checks', i, field],
      at: 'value',
      message: `duplicate check name "${name}" (also ${formatPath(['spec', 'checks', first])})`,
      hint: 'give each check a distinct `name` (it defaults to the check id)',
    });
  }
  return problems;
}

function positiveDurations(spec: Record<string, unknown>): RawProblem[] {
  const fields: [Segment[], unknown][] = [];
  for (const group of ['objectives', 'timeouts'] as const) {
    const value = spec[group];
    if (isRecord(value)) for (const [key, text] of Object.entries(value)) fields.push([['spec', group, key], text]);
  }
  // Malformed durations are reported by the schema's pattern; here only well-formed ones that mean "no time at all".
  return fields
    .filter(([, text]) => typeof text === 'string' && isDuration(text) && parseDuration(text) === 0)
    .map(([path, text]) => ({
      path,
      at: 'value' as const,
      message: `must be longer than 0 (got "${String(text)}")`,
      hint: `${formatPath(path)} is a time limit: write e.g. 5m or 30s`,
    }));
}
