import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { KdrillError } from '../core/errors.js';
import { parsePluginOptions } from '../core/plugin-options.js';
import { DURATION_PATTERN } from '../scenario/schema.js';
import { parseDuration } from '../scenario/duration.js';

/** A chaos option that is a Go-style duration (`30s`, `2m`). */
export const DurationOption = (description: string, defaultValue?: string) =>
  Type.String({ pattern: DURATION_PATTERN, description, ...(defaultValue ? { default: defaultValue } : {}) });

/** A list of non-empty names. */
export const NameList = (description: string) => Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description });

/** Validates a step's options against its TypeBox schema with defaults applied, or throws E_SCENARIO_INVALID naming the field. */
export function parseStepOptions<S extends TSchema>(stepId: string, schema: S, options: Record<string, unknown> | undefined): Static<S> {
  return parsePluginOptions(`chaos step ${stepId}`, schema, options, `fix the options of chaos step ${stepId} in the scenario (\`kdrill list chaos\` shows them)`);
}

/** E_SCENARIO_INVALID for a step's options, with the usual hint. */
export function invalidOption(stepId: string, problem: string, hint?: string): KdrillError {
  return new KdrillError('E_SCENARIO_INVALID', `chaos step ${stepId}: ${problem}`, {
    hint: hint ?? `fix the options of chaos step ${stepId} in the scenario (\`kdrill list chaos\` shows them)`,
  });
}

/** Milliseconds of a duration option (already pattern-checked by the schema). */
export function durationMs(text: string): number {
  return parseDuration(text);
}

/** Throws unless exactly one of `fields` is set (a selection option like names vs labelSelector). */
export function requireExactlyOne(stepId: string, options: Record<string, unknown>, fields: readonly string[]): string {
  const set = fields.filter((f) => options[f] !== undefined);
  if (set.length !== 1) {
    const problem = set.length === 0 ? `set one of ${fields.join(', ')}` : `set only one of ${fields.join(', ')} (got ${set.join(' and ')})`;
    throw invalidOption(stepId, problem);
  }
  return set[0]!;
}
