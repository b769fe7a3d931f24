import { problemsFromAjv, type RawProblem } from './ajv-problems.js';
import type { Validators } from './ajv.js';
import type { PluginCatalog } from './catalog.js';
import { checkCrossFields } from './cross-rules.js';
import { checkPlugins } from './plugin-rules.js';
import { isRecord } from './records.js';
import { closest, suggestionHint } from './suggest.js';

/** The document kinds kdrill reads. */
export type DocumentKind = 'Scenario' | 'Drill';

const KINDS: readonly DocumentKind[] = ['Scenario', 'Drill'];

/** The kind a document declares, or undefined when `kind` is missing or unknown. */
export function documentKind(data: Record<string, unknown>): DocumentKind | undefined {
  return KINDS.find((kind) => kind === data.kind);
}

/** The kind to validate a document as: the declared one, else the closest spelling, else what its spec looks like. */
export function likelyKind(data: Record<string, unknown>): DocumentKind {
  const declared = documentKind(data);
  if (declared) return declared;
  const guess = typeof data.kind === 'string' ? closest(data.kind, KINDS) : undefined;
  if (guess) return guess as DocumentKind;
  return isRecord(data.spec) && 'scenarios' in data.spec ? 'Drill' : 'Scenario';
}

/** Every problem of a Scenario document: schema, plugin ids and options, cross-field rules. */
export function validateScenario(data: Record<string, unknown>, catalog: PluginCatalog, validators: Validators): RawProblem[] {
  const problems = schemaProblems(data, validators, 'Scenario');
  if (isRecord(data.spec)) problems.push(...checkPlugins(data.spec, catalog, validators), ...checkCrossFields(data.spec, catalog));
  return problems;
}

/** Schema problems of a Drill document (its scenarios are validated after merging, by the drill loader). */
export function validateDrill(data: Record<string, unknown>, validators: Validators): RawProblem[] {
  return schemaProblems(data, validators, 'Drill');
}

function schemaProblems(data: Record<string, unknown>, validators: Validators, expected: DocumentKind): RawProblem[] {
  const validate = expected === 'Drill' ? validators.drill : validators.scenario;
  const problems = validate(data) ? [] : problemsFromAjv(validate.errors ?? [], data);
  if (data.kind === expected) return problems;
  // One clear problem about `kind` instead of the schema's "must be 'Scenario'".
  const others = problems.filter((p) => !(p.path.length === 1 && p.path[0] === 'kind'));
  return [kindProblem(data.kind, expected), ...others];
}

function kindProblem(kind: unknown, expected: DocumentKind): RawProblem {
  if (kind === undefined) {
    const hint = `set kind: ${expected} (or Drill for a list of scenarios)`;
    return { path: ['kind'], at: 'value', message: 'missing required field "kind"', hint };
  }
  const declared = documentKind({ kind });
  if (declared) return wrongKind(declared, expected);
  const shown = typeof kind === 'string' ? `"${kind}"` : JSON.stringify(kind);
  return { path: ['kind'], at: 'value', message: `unknown kind ${shown}`, hint: suggestionHint(String(kind), KINDS, 'allowed') };
}

/** The problem of a file of one kind given where the other is expected. */
export function wrongKind(declared: DocumentKind, expected: DocumentKind): RawProblem {
  const hint =
    declared === 'Drill'
      ? 'a drill lists scenarios: run it as a drill (kdrill run DRILL.yaml)'
      : 'pass the scenario file itself, or list it in a drill';
  return { path: ['kind'], at: 'value', message: `expected a ${expected}, got kind ${declared}`, hint };
}
