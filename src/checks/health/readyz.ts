/** The apiserver's verbose /readyz answer, reduced to what a report needs. */
export interface ReadyzResult {
  ok: boolean;
  httpStatus: number;
  /** Names of the checks marked `[-]`, with the reason the server gave (it withholds details unless verbose). */
  failed: string[];
  passed: number;
}

/** Read `GET /readyz?verbose`: `[+]name ok` / `[-]name failed: reason` lines and a final verdict line. */
export function parseReadyz(httpStatus: number, body: string): ReadyzResult {
  const failed: string[] = [];
  let passed = 0;
  for (const line of body.split('\n')) {
    const m = /^\[([+-])\](\S+)\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === '+') passed++;
    else failed.push(m[3] ? `${m[2]}: ${m[3]}` : m[2]!);
  }
  return { ok: httpStatus === 200 && failed.length === 0, httpStatus, failed, passed };
}

/** A Kubernetes label value made from any text: at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends. */
export function labelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/** Median and maximum of durations in ms (0 for none). */
export function latencyStats(durations: readonly number[]): { p50: number; max: number } {
  if (durations.length === 0) return { p50: 0, max: 0 };
  const sorted = [...durations].sort((a, b) => a - b);
  return { p50: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted[sorted.length - 1]! };
}
