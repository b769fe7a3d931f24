/**
 * Process-wide set of values that must never be printed (seeded canaries, Secret data, keys).
 * Loggers, errors and reporters pass text through `redact` before it leaves the process.
 */
const sensitive = new Set<string>();
const MIN_LENGTH = 6;

/** Register a value (and its base64 form) as sensitive. Short values are ignored: masking them would shred text. */
export function registerSensitive(value: string | Buffer): void {
  const text = typeof value === 'string' ? value : value.toString('utf8');
  if (text.length < MIN_LENGTH) return;
  sensitive.add(text);
  sensitive.add(Buffer.from(text, 'utf8').toString('base64'));
}


/** Replace every registered value in `text` with a fixed mask. */
export function redact(text: string): string {
  let out = text;
  for (const value of sensitive) {
    if (out.includes(value)) out = out.split(value).join('«redacted»');
  }
  return out;
}

/** For tests: forget every registered value. */
export function clearSensitive(): void {
  sensitive.clear();
}

/** `value` with every string (keys included) redacted, at any depth: for structured data before it is serialized. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactDeep(v)])) as T;
}
