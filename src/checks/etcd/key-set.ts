/** Keys under the etcd prefix that change on their own (leases renew, events expire, APF rewrites): never compared. */
export const VOLATILE_PREFIXES: readonly { prefix: string; why: string }[] = [
  { prefix: 'events/', why: 'events expire after an hour and are written constantly' },
  { prefix: 'leases/', why: 'leases renew every few seconds; includes apiserver identity leases (kube-system/apiserver-*) and leader-election leases' },
  { prefix: 'masterleases/', why: 'apiserver endpoint leases, re-created by every apiserver at start' },
  { prefix: 'peerserverleases/', why: 'apiserver peer-endpoint leases: one per apiserver instance, expiring with an etcd TTL' },
  { prefix: 'flowschemas/', why: 'API priority and fairness objects: the apiserver re-creates and rewrites its mandatory and suggested set' },
  { prefix: 'prioritylevelconfigurations/', why: 'API priority and fairness objects: the apiserver re-creates and rewrites its mandatory and suggested set' },
  { prefix: 'configmaps/kdrill-system/', why: "kdrill's own marker writes (RPO bookkeeping): written after the backup on purpose" },
];

/** Keys with `root` (e.g. `/registry/`) and the volatile or extra excluded prefixes removed, sorted, relative to `root`. */
export function stableKeys(keys: readonly string[], root: string, extraExcludes: readonly string[] = []): string[] {
  const excluded = [...VOLATILE_PREFIXES.map((v) => v.prefix), ...extraExcludes];
  return keys
    .filter((k) => k.startsWith(root))
    .map((k) => k.slice(root.length))
    .filter((k) => !excluded.some((p) => k.startsWith(p)))
    .sort();
}

/** Keys of `baseline` absent from `current` (missing) and the reverse (extra); both sorted. */
export function diffKeys(baseline: readonly string[], current: readonly string[]): { missing: string[]; extra: string[] } {
  const before = new Set(baseline);
  const after = new Set(current);
  return {
    missing: baseline.filter((k) => !after.has(k)).sort(),
    extra: current.filter((k) => !before.has(k)).sort(),
  };
}

/** How many keys (relative to the root) start with each resource's key prefix, e.g. `secrets/` or `example.com/widgets/`. */
export function countKeys(keys: readonly string[], prefixes: readonly string[]): Map<string, number> {
  const counts = new Map(prefixes.map((p) => [p, 0]));
  for (const key of keys) {
    for (const p of prefixes) if (key.startsWith(p)) counts.set(p, counts.get(p)! + 1);
  }
  return counts;
}

/** `secrets/<ns>/<name>` → `<ns>/<name>`: how evidence names a Secret. */
export function secretName(relativeKey: string): string {
  return relativeKey.replace(/^secrets\//, '');
}
