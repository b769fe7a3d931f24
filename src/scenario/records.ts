/** A plain mapping (what YAML mappings become), not an array or null. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The mappings in `value` when it is a list (non-mappings are skipped, keeping their indices). */
export function recordItems(value: unknown): [number, Record<string, unknown>][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item, index): [number, Record<string, unknown>][] => (isRecord(item) ? [[index, item]] : []));
}
