import type { SuiteOutput } from './results.js';
import type { SizeFigures, StrategiesBenchOptions } from './strategies.js';
import { ratio } from './stats.js';
import { formatPercent, type Cell, type Table } from './table.js';

/** Both strategy targets: the share of the raw API rate a strategy must reach. */
export const RATIO_TARGET = 0.7;
/** The budget for the 10k-object section on 2 cores. */
export const SECTION_BUDGET_SECONDS = 300;

/** Tables, notes and raw data of the strategies suite. */
export function strategiesOutput(figures: SizeFigures[], options: StrategiesBenchOptions): SuiteOutput {
  const columns = ['figure', ...figures.map((f) => `${f.objects} objects`)];
  const row = (name: string, pick: (f: SizeFigures) => Cell): Cell[] => [name, ...figures.map(pick)];
  const api: Table = {
    title: `resource-export against the raw API, ${options.parallelism} requests in flight (objects/s unless noted)`,
    columns,
    rows: [
      row('mean object size (bytes of JSON)', (f) => f.meanObjectBytes),
      row('seed: raw create into a new cluster', (f) => f.seedCreatePerSec),
      row(`(a) raw paginated LIST, median of ${figures[0]?.rawListPerSec.runs ?? 0}`, (f) => f.rawListPerSec.median),
      row('(b) resource-export backup (all objects)', (f) => f.backupPerSec),
      row('(b) backup / raw LIST of ConfigMaps + Secrets', (f) => formatPercent(f.backupVsList)),
      row(`(a') raw LIST of the backup's resource types, median of ${figures[0]?.typesListPerSec?.runs ?? 0}`, (f) => f.typesListPerSec?.median),
      row("(b') backup / raw LIST of the same types (target >= 70%)", (f) => formatPercent(f.backupVsTypesList)),
      row('(c) raw create into emptied namespaces', (f) => f.rawCreatePerSec),
      row('(d) resource-export restore (created)', (f) => f.restorePerSec),
      row('(d) restore / raw create (target >= 70%)', (f) => formatPercent(f.restoreVsCreate)),
      row('objects in backup / created by restore', (f) => `${f.backupObjects} / ${f.restoreCreated}`),
      row('restore wall time (s)', (f) => f.restoreSeconds),
    ],
  };
  const etcd: Table = {
    title: `etcd snapshot, fsync ${options.fsync ? 'on' : 'OFF (--unsafe-no-fsync)'} (MB = 10^6 bytes)`,
    columns,
    rows: [
      row('snapshot size (MB)', (f) => f.etcd.snapshotBytes / 1e6),
      row(`(e) etcdctl snapshot save (MB/s, median of ${figures[0]?.etcd.etcdctlSaveMBps.runs ?? 0})`, (f) => f.etcd.etcdctlSaveMBps.median),
      row('(e) etcd-snapshot save step (MB/s)', (f) => f.etcd.strategySaveMBps.median),
      row('(e) etcd-snapshot backup end to end (MB/s)', (f) => f.etcd.strategyBackupMBps.median),
      row('(e) save step / etcdctl', (f) => formatPercent(ratio(f.etcd.strategySaveMBps.median, f.etcd.etcdctlSaveMBps.median))),
      row('etcdutl snapshot restore (s)', (f) => f.etcd.etcdutlRestoreSeconds),
      row('etcd-snapshot restore to /readyz (s)', (f) => f.etcd.strategyRestoreSeconds),
      row('whole section for this size (s)', (f) => f.sectionSeconds),
    ],
  };
  const tables = [api, etcd];
  const marginal = marginalRates(figures);
  if (marginal) tables.push(marginalTable(marginal, figures));
  return { tables, notes: notesFor(figures, options), data: { options, ratioTarget: RATIO_TARGET, sizes: figures, marginal } };
}

/** Rates over the objects added between the smallest and largest size: the fixed costs (discovery, store, tiers) cancel out. */
export interface MarginalRates {
  list: number;
  backup: number;
  create: number;
  restore: number;
}

/** Marginal objects/s between the first and last size; undefined with fewer than two sizes or no growth. */
export function marginalRates(figures: readonly SizeFigures[]): MarginalRates | undefined {
  const [a, b] = [figures[0], figures.at(-1)];
  if (!a || !b || b.objects <= a.objects) return undefined;
  const rate = (count: (f: SizeFigures) => number, seconds: (f: SizeFigures) => number) => {
    const dt = seconds(b) - seconds(a);
    return dt > 0 ? (count(b) - count(a)) / dt : Number.POSITIVE_INFINITY;
  };
  return {
    list: rate((f) => f.listedObjects, (f) => f.rawListSeconds),
    backup: rate((f) => f.backupObjects, (f) => f.backupSeconds),
    create: rate((f) => f.objects, (f) => f.rawCreateSeconds),
    restore: rate((f) => f.restoreCreated, (f) => f.restoreSeconds),
  };
}

function marginalTable(m: MarginalRates, figures: readonly SizeFigures[]): Table {
  return {
    title: `Marginal rates from ${figures[0]!.objects} to ${figures.at(-1)!.objects} objects (objects/s; fixed costs removed)`,
    columns: ['figure', 'raw', 'strategy', 'ratio'],
    rows: [
      ['LIST vs resource-export backup', m.list, m.backup, formatPercent(ratio(m.backup, m.list))],
      ['create vs resource-export restore', m.create, m.restore, formatPercent(ratio(m.restore, m.create))],
    ],
  };
}

function notesFor(figures: SizeFigures[], options: StrategiesBenchOptions): string[] {
  const notes = [
    options.fsync
      ? 'etcd ran with fsync (fsync: true); the local provider default (drills, tests) is --unsafe-no-fsync, which is faster for writes'
      : 'etcd ran with --unsafe-no-fsync (local provider default): write and restore figures are optimistic; rerun with --fsync on',
  ];
  for (const f of figures) {
    notes.push(verdict(`${f.objects}: backup reaches`, f.backupVsTypesList, "of a raw LIST of the backup's resource types"));
    notes.push(verdict(`${f.objects}: restore reaches`, f.restoreVsCreate, 'of raw create'));
    if (f.sectionSeconds > SECTION_BUDGET_SECONDS) {
      notes.push(`${f.objects}: the section took ${Math.round(f.sectionSeconds)} s, over the ${SECTION_BUDGET_SECONDS} s budget`);
    }
  }
  return notes;
}

/** "1000: backup reaches 82% of raw LIST (target 70%: met)" or "... MISSED by 12 points". */
export function verdict(prefix: string, value: number, what: string): string {
  const points = Math.round((RATIO_TARGET - value) * 100);
  const outcome = value >= RATIO_TARGET ? 'met' : `MISSED by ${points} points`;
  return `${prefix} ${formatPercent(value)} ${what} (target ${formatPercent(RATIO_TARGET)}: ${outcome})`;
}
