import { KdrillError } from '../core/errors.js';

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

// Same grammar as the schema's Duration pattern: one or more `<number><unit>` parts, units h, m, s, ms.
const WHOLE = /^(?:[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h))+$/;
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/** Parses a Go-style duration (`1h30m`, `90s`, `250ms`, `1.5s`) to whole milliseconds; throws E_SCENARIO_INVALID otherwise. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) {
    throw new KdrillError('E_SCENARIO_INVALID', `invalid duration "${text}"`, {
      hint: 'write a number followed by h, m, s or ms, e.g. 30s, 5m, 1h30m, 250ms',
    });
  }
  let total = 0;
  for (const match of trimmed.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2] as Unit];
  return Math.round(total);
}

/** True when `text` is a duration parseDuration accepts. */
export function isDuration(text: string): boolean {
  return WHOLE.test(text.trim());
}

/** Formats milliseconds the way parseDuration reads them: `1h30m`, `1m30s`, `1.5s`, `250ms`, `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format a duration of ${ms} ms`);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  const rounded = Math.round(ms);
  if (rounded === 0) return '0s';
  if (rounded < 1_000) return `${rounded}ms`;
  const hours = Math.floor(rounded / UNIT_MS.h);
  const minutes = Math.floor((rounded % UNIT_MS.h) / UNIT_MS.m);
  const seconds = (rounded % UNIT_MS.m) / UNIT_MS.s;
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (minutes > 0) out += `${minutes}m`;
  // Seconds keep up to 3 decimals (milliseconds), written without trailing zeros: 30.5s, not 30.500s.
  if (seconds > 0) out += `${Number(seconds.toFixed(3))}s`;
  return out;
}
