import type { Command } from 'commander';
import { isKdrillError, KdrillError } from '../../core/errors.js';
import { redact } from '../../core/redact.js';
import { defaultCatalog, type PluginCatalog } from '../../scenario/catalog.js';
import { createValidators } from '../../scenario/ajv.js';
import { loadDocuments, type LoadedDocuments } from '../../scenario/loader.js';
import { renderProblem, ScenarioValidationError } from '../../scenario/problems.js';
import { displayPath } from '../../scenario/source.js';
import type { CommandModule } from '../main.js';

/** Where validation output goes: results (✓ lines) to stdout, problems to stderr. */
export interface ValidateOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What validating a list of files found. */
export interface ValidateSummary {
  files: number;
  invalid: number;
  problems: number;
  /** Files that could not be read at all. */
  missing: number;
}

/** Validates each file on its own, printing `✓ file (Kind name)` or every problem; never throws for invalid input. */
export async function validateFiles(files: readonly string[], catalog: PluginCatalog, out: ValidateOutput): Promise<ValidateSummary> {
  const summary: ValidateSummary = { files: files.length, invalid: 0, problems: 0, missing: 0 };
  const validators = createValidators();
  for (const file of files) {
    try {
      printValid(await loadDocuments([file], catalog, validators), out);
    } catch (error) {
      summary.invalid += 1;
      if (error instanceof ScenarioValidationError) {
        summary.problems += error.problems.length;
        for (const problem of error.problems) out.stderr(redact(renderProblem(problem)));
      } else if (isKdrillError(error) && error.code === 'E_SCENARIO_NOT_FOUND') {
        summary.missing += 1;
        out.stderr(redact(`${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`));
      } else {
        throw error;
      }
    }
  }
  return summary;
}

function printValid(loaded: LoadedDocuments, out: ValidateOutput): void {
  for (const drill of loaded.drills) {
    const count = drill.scenarios.length;
    out.stdout(`✓ ${displayPath(drill.file)} (Drill ${drill.document.metadata.name}: ${count} scenario${count === 1 ? '' : 's'})`);
    for (const scenario of drill.scenarios) out.stdout(`  ✓ ${displayPath(scenario.file)} (Scenario ${scenario.document.metadata.name})`);
  }
  if (loaded.drills.length > 0) return;
  for (const scenario of loaded.scenarios) out.stdout(`✓ ${displayPath(scenario.file)} (Scenario ${scenario.document.metadata.name})`);
}

const HELP = `
Checks each file on its own: YAML syntax, the schema, plugin ids and their options
(against the registered plugins), cross-field rules, and for drills every listed
scenario after merging the drill's defaults. Nothing is run.

Prints "✓ FILE (Kind name)" on stdout for each valid file and one line per problem
on stderr: FILE:LINE:COL PATH: MESSAGE (hint: ...). Exit code 0 when every file is
valid, 2 otherwise.

Examples:
  $ kdrill validate scenarios/etcd-basic.yaml
  $ kdrill validate scenarios/*.yaml drills/nightly.yaml
`;

/** `kdrill validate <files...>` against the plugins of `catalog` (the registries by default). */
export function createValidateCommand(catalog: () => PluginCatalog = defaultCatalog): CommandModule {
  return {
    register(program: Command, env) {
      program
        .command('validate')
        .description('check scenario and drill files without running anything')
        .argument('<files...>', 'Scenario or Drill YAML files')
        .addHelpText('after', HELP)
        .action(async (files: string[]) => {
          const out = { stdout: env.stdout, stderr: (text: string) => process.stderr.write(`${text}\n`) };
          const summary = await validateFiles(files, catalog(), out);
          if (summary.invalid > 0) throw summaryError(summary);
        });
    },
  };
}

/** The `kdrill validate` command. */
export const validateCommand: CommandModule = createValidateCommand();

function summaryError(summary: ValidateSummary): KdrillError {
  const counts = `${summary.invalid} of ${summary.files} file${summary.files === 1 ? '' : 's'} invalid`;
  const problems = summary.problems > 0 ? ` (${summary.problems} problem${summary.problems === 1 ? '' : 's'})` : '';
  const code = summary.missing === summary.invalid ? 'E_SCENARIO_NOT_FOUND' : 'E_SCENARIO_INVALID';
  return new KdrillError(code, `${counts}${problems}`, { hint: 'fix the problems listed above and run kdrill validate again' });
}
