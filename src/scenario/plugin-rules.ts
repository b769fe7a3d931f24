import type { ValidateFunction } from 'ajv';
import { problemsFromAjv, type RawProblem } from './ajv-problems.js';
import type { Validators } from './ajv.js';
import { PLUGIN_NOUNS, type PluginCatalog } from './catalog.js';
import type { Segment } from './positions.js';
import { isRecord, recordItems } from './records.js';
import { suggestionHint } from './suggest.js';

/** One place a scenario names a plugin: its id, the options that go with it, and where both sit. */
interface PluginRef {
  category: keyof PluginCatalog;
  id: unknown;
  /** Where the id is written; where options sit is `[...path, 'options']`. */
  path: Segment[];
  idField: string;
  options: unknown;
  /** The id comes from elsewhere (restore without its own strategy): an unknown id is reported there, not here. */
  inherited?: boolean;
  /** restore.options may leave out fields that backup.options already gives: missing fields are not reported. */
  partialOptions?: boolean;
}

/** Checks that every plugin id in `spec` is registered and that its `options` satisfy the plugin's optionsSchema. */
export function checkPlugins(spec: Record<string, unknown>, catalog: PluginCatalog, validators: Validators): RawProblem[] {
  return pluginRefs(spec).flatMap((ref) => checkRef(ref, catalog, validators));
}

function ref(category: keyof PluginCatalog, holder: Record<string, unknown>, path: Segment[], idField: string): PluginRef {
  return { category, id: holder[idField], path: ['spec', ...path], idField, options: holder.options };
}

function pluginRefs(spec: Record<string, unknown>): PluginRef[] {
  const refs: PluginRef[] = [];
  const { cluster, backup, restore } = spec;
  if (isRecord(cluster)) refs.push(ref('providers', cluster, ['cluster'], 'provider'));
  if (isRecord(backup)) {
    refs.push(ref('strategies', backup, ['backup'], 'strategy'));
    if (isRecord(backup.kms)) refs.push(ref('kms', backup.kms, ['backup', 'kms'], 'provider'));
  }
  if (isRecord(restore)) {
    // Without its own strategy, restore uses the backup's: its options are checked against that one.
    const inherited = restore.strategy === undefined;
    const id = inherited && isRecord(backup) ? backup.strategy : restore.strategy;
    refs.push({ ...ref('strategies', restore, ['restore'], 'strategy'), id, inherited, partialOptions: true });
    if (isRecord(restore.target)) refs.push(ref('providers', restore.target, ['restore', 'target'], 'provider'));
  }
  for (const [i, step] of recordItems(spec.chaos)) refs.push(ref('chaos', step, ['chaos', i], 'step'));
  for (const [i, check] of recordItems(spec.checks)) refs.push(ref('checks', check, ['checks', i], 'check'));
  return refs;
}

function checkRef(ref: PluginRef, catalog: PluginCatalog, validators: Validators): RawProblem[] {
  const id = ref.id;
  if (typeof id !== 'string') return [];
  const registry = catalog[ref.category];
  const entry = Object.hasOwn(registry, id) ? registry[id] : undefined;
  if (!entry) {
    if (ref.inherited) return [];
    const noun = PLUGIN_NOUNS[ref.category];
    return [{ path: [...ref.path, ref.idField], at: 'value', message: `unknown ${noun} "${id}"`, hint: suggestionHint(id, Object.keys(registry)) }];
  }
  const options = ref.options;
  if (options !== undefined && !isRecord(options)) return []; // the schema pass reports the wrong type
  let validate: ValidateFunction;
  try {
    validate = validators.options(entry.optionsSchema);
  } catch (error) {
    const message = `${PLUGIN_NOUNS[ref.category]} "${id}" has an invalid options schema: ${(error as Error).message}`;
    return [{ path: [...ref.path, ref.idField], at: 'value', message, hint: 'this is a bug in the plugin, not in the scenario: report it' }];
  }
  const data = options ?? {};
  if (validate(data)) return [];
  const errors = (validate.errors ?? []).filter((e) => !(ref.partialOptions && e.keyword === 'required'));
  return problemsFromAjv(errors, data, [...ref.path, 'options']);
}
