import { KdrillError } from '../core/errors.js';

/** What sharding needs of a loaded scenario. */
export interface Shardable {
  file: string;
  hash: string;
  document: { metadata: { name: string } };
}

/** Parses `INDEX/TOTAL` (1-based, e.g. `2/5`); throws E_SCENARIO_INVALID for anything else. */
export function parseShard(spec: string): { index: number; total: number } {
  const match = /^\s*([0-9]+)\s*\/\s*([0-9]+)\s*$/.exec(spec);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index < 1 || index > total) {
    throw new KdrillError('E_SCENARIO_INVALID', `invalid shard "${spec}"`, {
      hint: 'write INDEX/TOTAL with 1 <= INDEX <= TOTAL, e.g. --shard 2/5 runs the second of five shards',
    });
  }
  return { index, total };
}

/** This shard's share of `list`: round-robin over the list sorted by file, name and hash, so every machine agrees. */
export function shardScenarios<T extends Shardable>(list: readonly T[], spec: string): T[] {
  const { index, total } = parseShard(spec);
  const sorted = [...list].sort(
    (a, b) =>
      compare(a.file, b.file) || compare(a.document.metadata.name, b.document.metadata.name) || compare(a.hash, b.hash),
  );
  return sorted.filter((_, position) => position % total === index - 1);
}

// Plain code-unit order: localeCompare would depend on the machine's locale.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
