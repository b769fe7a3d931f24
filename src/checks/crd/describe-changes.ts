import { isDeepStrictEqual } from 'node:util';
import type { PrinterColumn } from './fingerprint.js';

/** Dotted paths where two JSON values differ (`properties.spec.properties.size.maximum`), at most `max`, then "…". */
export function differingPaths(before: unknown, after: unknown, max = 5): string[] {
  const out: string[] = [];
  walk(before, after, '', out, max + 1);
  return out.length > max ? [...out.slice(0, max), `… and more`] : out;
}

function walk(a: unknown, b: unknown, path: string, out: string[], limit: number): void {
  if (out.length >= limit || isDeepStrictEqual(a, b)) return;
  const bothObjects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!bothObjects) {
    out.push(path || '(root)');
    return;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const key of [...keys].sort()) {
    const child = path ? `${path}.${key}` : key;
    const av = (a as Record<string, unknown>)[key];
    const bv = (b as Record<string, unknown>)[key];
    if (av === undefined || bv === undefined) {
      if (av !== bv && out.length < limit) out.push(`${child} ${av === undefined ? 'added' : 'removed'}`);
      continue;
    }
    walk(av, bv, child, out, limit);
  }
}

/** What changed between two printer-column lists, by column name: removed, added, changed fields, reordered. */
export function describeColumnChanges(before: readonly PrinterColumn[], after: readonly PrinterColumn[]): string[] {
  const out: string[] = [];
  const afterByName = new Map(after.map((c) => [c.name, c]));
  const beforeByName = new Map(before.map((c) => [c.name, c]));
  for (const col of before) {
    const now = afterByName.get(col.name);
    if (!now) {
      out.push(`column "${col.name}" removed`);
      continue;
    }
    for (const field of [...new Set([...Object.keys(col), ...Object.keys(now)])].sort()) {
      if (!isDeepStrictEqual(col[field], now[field])) out.push(`column "${col.name}" ${field}: ${show(col[field])} → ${show(now[field])}`);
    }
  }
  for (const col of after) if (!beforeByName.has(col.name)) out.push(`column "${col.name}" added`);
  const order = (list: readonly PrinterColumn[]) => list.map((c) => c.name).filter((n) => beforeByName.has(n) && afterByName.has(n));
  if (out.length === 0 && !isDeepStrictEqual(order(before), order(after))) out.push('columns reordered');
  return out;
}

function show(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}
