import type { DriftReport } from './drift.js';

/** The summary table and the masked diff, as plain text for a terminal or a CI log. */
export function renderDrift(r: DriftReport, threshold: number): string {
  const ageMin = Math.round(r.backup.ageMs / 60_000);
  const head = [
    `drift against backup ${r.backup.id} (taken ${r.backup.createdAt}, ${ageMin} min ago, Kubernetes ${r.backup.serverVersion}; cluster now ${r.cluster.serverVersion})`,
    '',
    table([
      ['SECTION', 'IN BACKUP', 'MISSING', 'EXTRA', 'CHANGED', 'DRIFT'],
      ['CRDs', r.crds.compared, ...counts(r.crds.drift), r.counts.crds],
      ['RBAC objects', r.rbac.compared, r.rbac.objects.removed.length, r.rbac.objects.added.length, r.rbac.objects.changed.length, r.counts.rbac],
      ['Secrets', r.secrets.compared, ...counts(r.secrets.drift), r.counts.secrets],
      ['other objects', r.objects.compared, r.objects.missing.length, r.objects.extra.length, r.objects.changed.length, r.counts.objects],
    ]),
    '',
    `total drift: ${r.counts.total} (threshold ${threshold}): ${r.counts.total > threshold ? 'DRIFT' : 'no drift over the threshold'}`,
  ];
  return [...head, ...details(r), ...(r.notes.length ? ['', 'notes:', ...r.notes.map((n) => `  ${n}`)] : [])].join('\n');
}

function details(r: DriftReport): string[] {
  const out: string[] = [];
  const section = (title: string, lines: string[]) => lines.length && out.push('', `${title}:`, ...lines.map((l) => `  ${l}`));
  section('CRDs', r.crds.drift.flatMap((c) => [`${c.change} ${c.name}`, ...c.details.map((d) => `  ${d}`)]));
  section('RBAC', [
    ...r.rbac.objects.added.map((o) => `added ${o}`),
    ...r.rbac.objects.removed.map((o) => `removed ${o}`),
    ...r.rbac.objects.changed.map((o) => `changed ${o}`),
    ...r.rbac.dangerousNew.map((d) => `new dangerous grant: ${d}`),
    ...r.rbac.gained.flatMap((g) => [`${g.subject} gained ${g.count} permission${g.count === 1 ? '' : 's'}:`, ...g.permissions.items.map((p) => `  + ${p}`), ...more(g.permissions.more)]),
    ...r.rbac.lost.flatMap((g) => [`${g.subject} lost ${g.count} permission${g.count === 1 ? '' : 's'}:`, ...g.permissions.items.map((p) => `  - ${p}`), ...more(g.permissions.more)]),
  ]);
  section('Secrets (values compared as keyed hashes, never shown)', r.secrets.drift.map((s) => {
    const keys = s.keys ? [...s.keys.changed.map((k) => `${k} changed`), ...s.keys.missing.map((k) => `${k} missing`), ...s.keys.added.map((k) => `${k} added`)] : [];
    const what = [...keys, ...(s.fields ?? []).map((f) => `${f} differs`)];
    return `${s.change} Secret ${s.name}${what.length ? `: ${what.join(', ')}` : ''}`;
  }));
  section('other objects', [...r.objects.missing.map((k) => `missing ${k}`), ...r.objects.extra.map((k) => `extra ${k}`), ...r.objects.changed.flatMap((c) => [`changed ${c.key}`, ...c.diff.split('\n').filter(Boolean).map((l) => `  ${l}`)])]);
  return out;
}

function counts(drift: { change: 'missing' | 'extra' | 'changed' }[]): number[] {
  return (['missing', 'extra', 'changed'] as const).map((c) => drift.filter((d) => d.change === c).length);
}

function more(n: number): string[] {
  return n > 0 ? [`  … ${n} more`] : [];
}

function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}
