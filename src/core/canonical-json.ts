/** Canonical JSON: the one byte form kdrill hashes (manifests, audit entries, scenario and schema fingerprints). */

/** `value` with object keys sorted at every depth (arrays keep their order). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, sortKeysDeep(record[key])]),
  );
}

/**
 * JSON with keys sorted at every depth and no whitespace; undefined, functions and toJSON behave as in
 * JSON.stringify (dropped in objects, null in arrays), so equal data always gives equal bytes.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(JSON.parse(JSON.stringify(value ?? null)) as unknown));
}
