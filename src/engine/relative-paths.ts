import { sep } from 'node:path';
import type { ScenarioResult } from '../contracts/types.js';

/**
 * A scenario result whose paths a reader on another machine can use: a path under the report folder becomes relative
 * to it (`secret-wipe/backups`), one under the working directory relative to that (`scenarios/x.yaml`). Absolute
 * machine paths say nothing elsewhere and tell more than needed. Kept clusters' kubeconfigs stay as they are: they
 * are printed for this machine.
 */
export function relativeScenarioPaths(result: ScenarioResult, bases: { outDir: string; cwd: string }): ScenarioResult {
  // The longer base first: the report folder usually sits inside the working directory.
  const prefixes = [bases.outDir, bases.cwd].filter((p) => p.length > 1).sort((a, b) => b.length - a.length);
  const fix = (text: string): string => {
    let out = text;
    for (const p of prefixes) out = out.split(p + sep).join('').replace(new RegExp(`${escape(p)}(?![\\w.-])`, 'g'), '.');
    return out;
  };
  const { keptClusters, ...rest } = result;
  const mapped = mapStrings(rest, fix) as Omit<ScenarioResult, 'keptClusters'>;
  return keptClusters ? { ...mapped, keptClusters } : mapped;
}

function mapStrings(value: unknown, fix: (s: string) => string): unknown {
  if (typeof value === 'string') return fix(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fix));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fix)]));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
