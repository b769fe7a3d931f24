import { createHash } from 'node:crypto';
import { isRecord } from './records.js';
import { canonicalJson } from '../core/canonical-json.js';

/** `over` merged onto `base`: mappings merge key by key, everything else (lists included) from `over` replaces. Inputs are not modified. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return clone(base);
  if (!isRecord(base) || !isRecord(over)) return clone(over);
  const out: Record<string, unknown> = clone(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(over)) out[key] = deepMerge(base[key], value);
  return out;
}

export { canonicalJson };

/** sha256 (hex) of the canonical JSON of `value`. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}


function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}
