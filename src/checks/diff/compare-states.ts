import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../kube/types.js';
import { applyIgnoreRules, type IgnoreRule } from './ignore-fields.js';
import { unifiedDiff } from './render.js';

/** Per kind (`Kind` or `Kind.group`): how many objects each side had and what differs. */
export interface KindCounts {
  baseline: number;
  current: number;
  missing: number;
  extra: number;
  changed: number;
}

export interface StateComparison {
  missing: string[];
  extra: string[];
  changed: { key: string; diff: string }[];
  unchanged: number;
  perKind: Record<string, KindCounts>;
}

export interface CompareOptions {
  ignore?: readonly IgnoreRule[];
  /** Lines per unified diff. */
  maxDiffLines?: number;
  /** Changed objects that get a rendered diff (the rest are only counted). */
  maxDiffs?: number;
  /** Names of the two sides in the diff headers (default baseline, restored). */
  labels?: [string, string];
}

/** Compare two captures keyed by objectKey: which objects are missing, extra, or changed (with a readable diff). */
export function compareStates(
  baseline: Record<string, KubeObject>,
  current: Record<string, KubeObject>,
  options: CompareOptions = {},
): StateComparison {
  const result: StateComparison = { missing: [], extra: [], changed: [], unchanged: 0, perKind: {} };
  const count = (key: string, field: keyof KindCounts) => {
    const kind = kindOfKey(key);
    const entry = (result.perKind[kind] ??= { baseline: 0, current: 0, missing: 0, extra: 0, changed: 0 });
    entry[field]++;
  };
  for (const key of Object.keys(baseline).sort()) {
    count(key, 'baseline');
    const after = current[key];
    if (!after) {
      result.missing.push(key);
      count(key, 'missing');
      continue;
    }
    const a = prepared(baseline[key]!, key, options.ignore);
    const b = prepared(after, key, options.ignore);
    if (isDeepStrictEqual(a, b)) {
      result.unchanged++;
      continue;
    }
    count(key, 'changed');
    const withDiff = result.changed.length < (options.maxDiffs ?? 20);
    result.changed.push({ key, diff: withDiff ? unifiedDiff(key, a, b, options.maxDiffLines, options.labels) : '' });
  }
  for (const key of Object.keys(current).sort()) {
    count(key, 'current');
    if (!(key in baseline)) {
      result.extra.push(key);
      count(key, 'extra');
    }
  }
  return result;
}

/** `ConfigMap` for the core group, `Deployment.apps` otherwise, from a `group/kind/namespace/name` key. */
export function kindOfKey(key: string): string {
  const [group = '', kind = ''] = key.split('/');
  return group ? `${kind}.${group}` : kind;
}

function prepared(obj: KubeObject, key: string, ignore: readonly IgnoreRule[] | undefined): Record<string, unknown> {
  if (!ignore?.length) return obj;
  const copy = structuredClone(obj) as Record<string, unknown>;
  applyIgnoreRules(copy, ignore, key.split('/')[0] ?? '');
  return copy;
}
