import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets kdrill's heap grow past its live data before a full collection, in percent. By default V8 grows it
 * up to 4x: a 50k-object drill holds ~200 MiB of live data (the restore plan, the checks' baselines, the canaries)
 * and reached 837 MiB of RSS, mostly garbage. With 25 % the same drill peaked at 511 MiB (bench/README.md).
 */
export const HEAP_GROWING_PERCENT = 25;

/** Bounds heap growth for this process, unless the user started node with their own `--heap-growing-percent`. */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
