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

export function sensitiveValues(): readonly string[] {
  return [...sensitive];
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
