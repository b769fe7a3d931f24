/** Summary of repeated measurements: what the tables and the JSON results show. */
export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, as a fraction: 0.1 means the runs were within 10 % of the median. */
  spread: number;
}

/** The median of `values` (mean of the two middle ones for an even count); throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median, min, max and spread of `values`; throws on an empty list. */
export function summarize(values: readonly number[]): Summary {
  const mid = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { runs: values.length, median: mid, min, max, spread: mid === 0 ? 0 : (max - min) / mid };
}

/** Items per second for `count` items done in `ms` milliseconds (0 when nothing was timed). */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? count / (ms / 1000) : 0;
}

/** Megabytes (10^6 bytes) per second for `bytes` moved in `ms` milliseconds (0 when nothing was timed). */
export function megabytesPerSecond(bytes: number, ms: number): number {
  return perSecond(bytes / 1e6, ms);
}

/** `value / baseline` (0 when the baseline is 0): the share of the raw rate a strategy reaches. */
export function ratio(value: number, baseline: number): number {
  return baseline > 0 ? value / baseline : 0;
}

/** Milliseconds since `start` (a `performance.now()` reading). */
export function elapsedMs(start: number): number {
  return performance.now() - start;
}
