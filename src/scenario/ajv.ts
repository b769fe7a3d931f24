import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { DrillDocument, ScenarioDocument } from './schema.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const formatsModule = addFormatsModule as unknown as FormatsPlugin | { default: FormatsPlugin };
const addFormats: FormatsPlugin = 'default' in formatsModule ? formatsModule.default : formatsModule;

/** Compiled validators for one load: the two document kinds plus plugin option schemas, compiled once each. */
export interface Validators {
  scenario: ValidateFunction;
  drill: ValidateFunction;
  /** Validator of a plugin's optionsSchema; throws when the schema itself is invalid. */
  options(schema: object): ValidateFunction;
}

/**
 * A strict ajv: all errors, formats, unknown keywords rejected, `verbose` so errors carry the schema and data.
 * Without code optimization: a CLI run compiles every schema once and validates a few documents, so compiling
 * faster (about a third less CPU for the scenario, drill and plugin schemas) beats validating faster.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true, code: { optimize: false } });
  addFormats(ajv);
  return ajv;
}

/** Fresh validators (no module-level cache: each load compiles what it needs). */
export function createValidators(): Validators {
  const ajv = createAjv();
  const compiled = new WeakMap<object, ValidateFunction>();
  return {
    scenario: ajv.compile(ScenarioDocument),
    drill: ajv.compile(DrillDocument),
    options(schema) {
      let validate = compiled.get(schema);
      if (!validate) {
        // Plugins' own $ids could clash between plugins: validate each as an anonymous schema.
        const { $id: _id, ...anonymous } = schema as Record<string, unknown>;
        validate = ajv.compile(anonymous);
        compiled.set(schema, validate);
      }
      return validate;
    },
  };
}
