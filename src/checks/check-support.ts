import type { Static, TSchema } from '@sinclair/typebox';
import { parsePluginOptions } from '../core/plugin-options.js';

/** A list for evidence: the first `max` entries, and how many were left out. */
export interface CappedList<T> {
  items: T[];
  more: number;
}

/** Keep evidence readable: at most `max` entries, with a count of the rest. */
export function capped<T>(list: readonly T[], max: number): CappedList<T> {
  return { items: list.slice(0, max), more: Math.max(0, list.length - max) };
}

/** Validate a check's options against its TypeBox schema (defaults applied) or throw E_SCENARIO_INVALID naming the field. */
export function parseCheckOptions<S extends TSchema>(checkId: string, schema: S, options: Record<string, unknown>): Static<S> {
  return parsePluginOptions(`check ${checkId}`, schema, options, `fix the options of check ${checkId} in the scenario (kdrill list checks shows them)`);
}
