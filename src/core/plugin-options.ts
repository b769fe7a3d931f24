import { Value } from '@sinclair/typebox/value';
import type { Static, TSchema } from '@sinclair/typebox';
import { KdrillError } from './errors.js';

/**
 * A plugin's options from a scenario, checked against its TypeBox schema with defaults applied, or E_SCENARIO_INVALID
 * naming the plugin (`check state-diff`, `chaos step quorum-loss`, `strategy etcd-member-replace`) and the field.
 */
export function parsePluginOptions<S extends TSchema>(plugin: string, schema: S, options: Record<string, unknown> | undefined, hint: string): Static<S> {
  const withDefaults = Value.Default(schema, structuredClone(options ?? {}));
  const error = Value.Errors(schema, withDefaults).First();
  if (error) throw new KdrillError('E_SCENARIO_INVALID', `${plugin}: option ${error.path || '/'} ${error.message}`, { hint });
  return withDefaults as Static<S>;
}
