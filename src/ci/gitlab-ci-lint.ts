import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';

/** The repository root (this file sits in src/ci/). */
export const REPO = join(import.meta.dirname, '..', '..');

const require = createRequire(import.meta.url);
const PACKAGE = dirname(require.resolve('gitlab-ci-local/package.json'));

/** The gitlab-ci-local CLI of the pinned devDependency. */
export const GITLAB_CI_LOCAL = join(PACKAGE, 'src', 'index.js');

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const formatsModule = addFormatsModule as unknown as FormatsPlugin | { default: FormatsPlugin };
const addFormats: FormatsPlugin = 'default' in formatsModule ? formatsModule.default : formatsModule;

let compiled: Promise<ValidateFunction> | undefined;

/**
 * A validator for GitLab's own CI JSON Schema (draft-07, the one GitLab's pipeline editor uses), as shipped by
 * gitlab-ci-local in src/schema/schema.js; compiled once per process.
 */
export function gitlabCiValidator(): Promise<ValidateFunction> {
  compiled ??= (async () => {
    const module = (await import(pathToFileURL(join(PACKAGE, 'src', 'schema', 'schema.js')).href)) as { schema: object };
    // GitLab's schema uses union types and keywords ajv's strict mode refuses; its patterns were stripped upstream.
    const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true });
    addFormats(ajv);
    return ajv.compile(module.schema);
  })();
  return compiled;
}

/** One line per schema error of `data` (`/jobs/path: message {params}`); empty when it validates. */
export function schemaProblems(validate: ValidateFunction, data: unknown): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
}
