import path from 'node:path';
import { isKdrillError, KdrillError } from '../core/errors.js';
import type { RawProblem } from './ajv-problems.js';
import { createValidators, type Validators } from './ajv.js';
import type { PluginCatalog } from './catalog.js';
import { resolveDrillFiles } from './drill-files.js';
import { contentHash, deepMerge } from './merge.js';
import { ScenarioValidationError, type Problem } from './problems.js';
import { isRecord } from './records.js';
import type { Drill, Scenario } from './schema.js';
import { locate, readSource, type Source } from './source.js';
import { documentKind, likelyKind, validateDrill, validateScenario, wrongKind, type DocumentKind } from './validate-document.js';

/** A valid scenario, ready to run: `document` is the scenario with its drill's defaults merged in. */
export interface LoadedScenario {
  /** Absolute path of the scenario file. */
  file: string;
  /** Its folder (fixtures and manifests resolve against it). */
  dir: string;
  /** sha256 of the canonical JSON of `document`. */
  hash: string;
  document: Scenario;
  /** Absolute path of the drill that listed it, if any. */
  drill?: string;
}

/** A valid drill and its scenarios (sorted by file). */
export interface LoadedDrill {
  file: string;
  dir: string;
  document: Drill;
  scenarios: LoadedScenario[];
}

/** Everything loaded from a list of files: every scenario (those of drills included) and the drills themselves. */
export interface LoadedDocuments {
  scenarios: LoadedScenario[];
  drills: LoadedDrill[];
}

type Loaded = { kind: 'Scenario'; scenario: LoadedScenario } | { kind: 'Drill'; drill: LoadedDrill };

/** Loads one Scenario file; throws ScenarioValidationError with every problem, or E_SCENARIO_NOT_FOUND. */
export async function loadScenario(file: string, catalog: PluginCatalog): Promise<LoadedScenario> {
  const loaded = await loadOrThrow(file, catalog, 'Scenario');
  if (loaded.kind !== 'Scenario') throw new Error('unreachable: kind checked by loadOrThrow');
  return loaded.scenario;
}

/** Loads one Drill file and its scenarios (defaults merged); throws ScenarioValidationError with every problem. */
export async function loadDrill(file: string, catalog: PluginCatalog): Promise<LoadedDrill> {
  const loaded = await loadOrThrow(file, catalog, 'Drill');
  if (loaded.kind !== 'Drill') throw new Error('unreachable: kind checked by loadOrThrow');
  return loaded.drill;
}

/**
 * Loads Scenario and Drill files (kind read from each); every problem in every file is reported in one error.
 * Pass `validators` to share compiled schemas across calls (compiling them costs ~0.1 s each time).
 */
export async function loadDocuments(files: readonly string[], catalog: PluginCatalog, validators: Validators = createValidators()): Promise<LoadedDocuments> {
  const problems: Problem[] = [];
  const missing: KdrillError[] = [];
  const result: LoadedDocuments = { scenarios: [], drills: [] };
  for (const file of new Set(files.map((f) => path.resolve(f)))) {
    const outcome = await loadFile(file, catalog, validators).catch((error: unknown) => {
      if (!isKdrillError(error) || error.code !== 'E_SCENARIO_NOT_FOUND') throw error;
      missing.push(error);
      return undefined;
    });
    if (!outcome) continue;
    problems.push(...outcome.problems);
    if (outcome.loaded?.kind === 'Scenario') result.scenarios.push(outcome.loaded.scenario);
    if (outcome.loaded?.kind === 'Drill') {
      result.drills.push(outcome.loaded.drill);
      result.scenarios.push(...outcome.loaded.drill.scenarios);
    }
  }
  if (missing.length > 0) throw notFound(missing);
  if (problems.length > 0) throw new ScenarioValidationError(problems);
  return result;
}

function notFound(errors: KdrillError[]): KdrillError {
  if (errors.length === 1) return errors[0]!;
  return new KdrillError('E_SCENARIO_NOT_FOUND', errors.map((e) => e.message).join('\n'), { hint: errors[0]!.hint });
}

async function loadOrThrow(file: string, catalog: PluginCatalog, expected: DocumentKind): Promise<Loaded> {
  const outcome = await loadFile(file, catalog, createValidators(), expected);
  if (outcome.problems.length > 0 || !outcome.loaded) throw new ScenarioValidationError(outcome.problems);
  return outcome.loaded;
}

async function loadFile(
  file: string,
  catalog: PluginCatalog,
  validators: Validators,
  expected?: DocumentKind,
): Promise<{ loaded?: Loaded; problems: Problem[] }> {
  const read = await readSource(file);
  if (!read.source) return { problems: read.problems };
  const source = read.source;
  const declared = documentKind(source.data);
  if (expected && declared && declared !== expected) return { problems: [locate(source, wrongKind(declared, expected))] };
  const kind = expected ?? likelyKind(source.data);
  if (kind === 'Drill') return loadDrillSource(source, catalog, validators);
  const problems = validateScenario(source.data, catalog, validators).map((raw) => locate(source, raw));
  if (problems.length > 0) return { problems };
  return { loaded: { kind, scenario: loaded(source, source.data) }, problems };
}

async function loadDrillSource(drill: Source, catalog: PluginCatalog, validators: Validators): Promise<{ loaded?: Loaded; problems: Problem[] }> {
  const problems = validateDrill(drill.data, validators).map((raw) => locate(drill, raw));
  const spec = isRecord(drill.data.spec) ? drill.data.spec : {};
  const dir = path.dirname(drill.file);
  const listed = await resolveDrillFiles(spec.scenarios, dir, drill.file);
  problems.push(...listed.problems.map((raw) => locate(drill, raw)));
  const defaults = isRecord(spec.defaults) ? spec.defaults : {};
  const scenarios: LoadedScenario[] = [];
  for (const file of listed.files) {
    const outcome = await loadDrillScenario(file, drill, defaults, catalog, validators);
    problems.push(...outcome.problems);
    if (outcome.scenario) scenarios.push({ ...outcome.scenario, drill: drill.file });
  }
  if (problems.length > 0) return { problems };
  return { loaded: { kind: 'Drill', drill: { file: drill.file, dir, document: drill.data as unknown as Drill, scenarios } }, problems };
}

async function loadDrillScenario(
  file: string,
  drill: Source,
  defaults: Record<string, unknown>,
  catalog: PluginCatalog,
  validators: Validators,
): Promise<{ scenario?: LoadedScenario; problems: Problem[] }> {
  const read = await readSource(file);
  if (!read.source) return { problems: read.problems };
  const source = read.source;
  if (documentKind(source.data) === 'Drill') {
    const message = `a drill cannot list another drill (listed by ${drill.display})`;
    const raw: RawProblem = { path: ['kind'], at: 'value', message, hint: 'list the scenario files of that drill instead' };
    return { problems: [locate(source, raw)] };
  }
  const merged = { ...source.data, spec: deepMerge(defaults, source.data.spec) };
  const problems = validateScenario(merged, catalog, validators).map((raw) => locateMerged(raw, source, drill));
  if (problems.length > 0) return { problems };
  return { scenario: loaded(source, merged), problems };
}

/** A problem in a merged scenario points at the file that holds more of its path: the scenario, or the drill's defaults. */
function locateMerged(raw: RawProblem, scenario: Source, drill: Source): Problem {
  if (raw.path[0] !== 'spec') return locate(scenario, raw);
  const inDefaults = ['spec', 'defaults', ...raw.path.slice(1)];
  // Minus one: `defaults` is one segment the scenario's own path does not have.
  const fromDrill = drill.index.depth(inDefaults) - 1;
  return fromDrill > scenario.index.depth(raw.path) ? locate(drill, { ...raw, path: inDefaults }) : locate(scenario, raw);
}

function loaded(source: Source, document: Record<string, unknown>): LoadedScenario {
  return { file: source.file, dir: path.dirname(source.file), hash: contentHash(document), document: document as unknown as Scenario };
}
