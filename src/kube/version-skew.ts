/** major*1000 + minor of a Kubernetes version (`v1.37.2`, `v1.30.4+k3s1`), or undefined when it is not one. */
export function minorNumber(version: string): number | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 1000 + Number(m[2]) : undefined;
}

/** How far `to` is from `from` in minor versions (positive: newer), or undefined when either is not a version. */
export function minorDistance(from: string, to: string): number | undefined {
  const a = minorNumber(from);
  const b = minorNumber(to);
  return a === undefined || b === undefined ? undefined : b - a;
}
