import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isKdrillError } from '../core/errors.js';
import { defaultCatalog, type PluginCatalog } from '../scenario/catalog.js';
import { loadDrill, loadScenario } from '../scenario/loader.js';
import { renderProblem, ScenarioValidationError } from '../scenario/problems.js';
import { DrillDocument, ScenarioDocument } from '../scenario/schema.js';
import { STORE_OPTION_SCHEMAS } from '../store/registry.js';
import { codeBlocks, documentKindOf, section, tableRow, where, type CodeBlock } from './markdown.js';

const REPO = join(import.meta.dirname, '..', '..');
const DOCS = join(REPO, 'docs');

let work: string;
let catalog: PluginCatalog;
let examples: (CodeBlock & { kind: 'Scenario' | 'Drill' })[];
let scenariosMd: string;
let checksMd: string;

beforeAll(async () => {
  catalog = defaultCatalog();
  work = await mkdtemp(join(tmpdir(), 'kdrill-doc-examples-'));
  // Drill examples live in drills/ and list ../scenarios/…: the repository's own scenarios.
  await mkdir(join(work, 'drills'));
  await mkdir(join(work, 'examples'));
  await symlink(join(REPO, 'scenarios'), join(work, 'scenarios'));
  const files = [join(REPO, 'README.md'), ...(await readdir(DOCS)).filter((f) => f.endsWith('.md')).map((f) => join(DOCS, f))];
  const blocks = (await Promise.all(files.map(codeBlocks))).flat();
  examples = blocks.flatMap((b) => {
    const kind = documentKindOf(b);
    return kind ? [{ ...b, kind }] : [];
  });
  scenariosMd = await readFile(join(DOCS, 'scenarios.md'), 'utf8');
  checksMd = await readFile(join(DOCS, 'checks.md'), 'utf8');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Loads a block with kdrill's loader; resolves to the problems (empty when valid) and how many scenarios it holds. */
async function load(block: CodeBlock & { kind: 'Scenario' | 'Drill' }, text = block.text): Promise<{ problems: string[]; scenarios: number }> {
  const name = `${where(block).replace(/[^\w]+/g, '-')}.yaml`;
  const file = join(work, block.kind === 'Drill' ? 'drills' : 'examples', name);
  await writeFile(file, text);
  try {
    if (block.kind === 'Drill') return { problems: [], scenarios: (await loadDrill(file, catalog)).scenarios.length };
    await loadScenario(file, catalog);
    return { problems: [], scenarios: 1 };
  } catch (error) {
    if (error instanceof ScenarioValidationError) return { problems: error.problems.map(renderProblem), scenarios: 0 };
    if (isKdrillError(error)) return { problems: [`${error.code}: ${error.message}`], scenarios: 0 };
    throw error;
  }
}

/** Every property name a TypeBox/JSON schema declares, at any depth. */
function propertyNames(schema: unknown, out = new Set<string>()): Set<string> {
  if (!schema || typeof schema !== 'object') return out;
  const s = schema as Record<string, unknown>;
  for (const [key, value] of Object.entries((s.properties ?? {}) as Record<string, unknown>)) {
    out.add(key);
    propertyNames(value, out);
  }
  for (const child of [s.items, ...((s.anyOf ?? []) as unknown[]), ...((s.allOf ?? []) as unknown[])]) propertyNames(child, out);
  return out;
}

const optionNames = (schema: object) => Object.keys((schema as { properties?: object }).properties ?? {});
const mentions = (text: string, name: string) => new RegExp('`([\\w.]*\\.)?' + name + '[`:]').test(text);

describe('YAML examples in docs/*.md and README.md', () => {
  it('include a Drill and a Scenario for every provider', () => {
    expect(examples.filter((b) => b.kind === 'Drill').length).toBeGreaterThanOrEqual(1);
    const providers = examples
      .filter((b) => b.kind === 'Scenario' && b.file.endsWith('scenarios.md'))
      .map((b) => (parse(b.text) as { spec: { cluster?: { provider?: string } } }).spec.cluster?.provider)
      .filter((p): p is string => p !== undefined);
    expect([...new Set(providers)].sort()).toEqual(Object.keys(catalog.providers).sort());
  });

  it('every Scenario and Drill example validates with kdrill’s loader', async () => {
    const failures: string[] = [];
    for (const block of examples) {
      const { problems, scenarios } = await load(block);
      if (problems.length) failures.push(`${where(block)} (${block.kind}):\n  ${problems.join('\n  ')}`);
      else expect(scenarios, `${where(block)} lists no scenario`).toBeGreaterThan(0);
    }
    expect(failures).toEqual([]);
  });

  it('rejects a copy with a misspelt chaos step, and a drill that lists a missing scenario', async () => {
    const scenario = examples.find((b) => b.kind === 'Scenario' && b.text.includes('step: delete-namespaces'))!;
    const broken = await load(scenario, scenario.text.replace('step: delete-namespaces', 'step: delete-namespace'));
    expect(broken.problems.join('\n')).toMatch(/unknown chaos step "delete-namespace".*did you mean "delete-namespaces"/s);
    const drill = examples.find((b) => b.kind === 'Drill')!;
    const missing = await load(drill, drill.text.replace(/(scenarios:\n\s+- ).*/, '$1../scenarios/no-such-scenario.yaml'));
    expect(missing.problems.join('\n')).toMatch(/scenario file "\.\.\/scenarios\/no-such-scenario\.yaml" not found/);
  });
});

describe('docs cover every field and plugin', () => {
  it('docs/scenarios.md names every field of the Scenario and Drill schemas', () => {
    const fields = [...propertyNames(ScenarioDocument), ...propertyNames(DrillDocument)];
    expect(fields.length).toBeGreaterThan(40);
    expect(fields.filter((f) => !mentions(scenariosMd, f))).toEqual([]);
  });

  it('docs/scenarios.md documents every provider, strategy, chaos step, KMS and store option', () => {
    const missing: string[] = [];
    const need = (where: string, text: string | undefined, names: string[]) => {
      if (text === undefined) missing.push(`${where}: no section`);
      else for (const n of names) if (!mentions(text, n)) missing.push(`${where}: option ${n}`);
    };
    for (const [id, p] of Object.entries(catalog.providers)) need(`provider ${id}`, section(scenariosMd, `Provider \`${id}\``), optionNames(p.optionsSchema));
    for (const [id, s] of Object.entries(catalog.strategies)) need(`strategy ${id}`, section(scenariosMd, `Strategy \`${id}\``), optionNames(s.optionsSchema));
    for (const [id, c] of Object.entries(catalog.chaos)) need(`chaos ${id}`, tableRow(section(scenariosMd, '### `chaos`') ?? '', id), optionNames(c.optionsSchema));
    for (const [id, k] of Object.entries(catalog.kms)) need(`kms ${id}`, tableRow(section(scenariosMd, '#### `kms`') ?? '', id), optionNames(k.optionsSchema));
    need('store s3', section(scenariosMd, '#### `store`'), optionNames(STORE_OPTION_SCHEMAS.s3));
    for (const id of Object.keys(catalog.checks)) if (!tableRow(section(scenariosMd, '### `checks`') ?? '', id)) missing.push(`check ${id}: no row`);
    expect(missing).toEqual([]);
  });

  it('docs/checks.md has a section per check naming each of its options', () => {
    const missing: string[] = [];
    for (const [id, c] of Object.entries(catalog.checks)) {
      const text = section(checksMd, `## \`${id}\``);
      if (text === undefined) missing.push(`${id}: no section`);
      else for (const n of optionNames(c.optionsSchema)) if (!mentions(text, n)) missing.push(`${id}: option ${n}`);
    }
    expect(missing).toEqual([]);
  });
});
