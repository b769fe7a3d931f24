import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testCatalog } from '../../test/fixtures/scenarios/test-catalog.js';
import { loadDocuments } from './loader.js';
import { renderProblem, ScenarioValidationError } from './problems.js';

const CORPUS = fileURLToPath(new URL('../../test/fixtures/scenarios/', import.meta.url));
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();
const invalid = files.filter((f) => f.startsWith('invalid-'));
const valid = files.filter((f) => f.startsWith('valid-'));

interface Expectation {
  text: string;
  line?: number;
  /** The file the problem is in, relative to the corpus (defaults to the fixture itself). */
  file?: string;
}

/** Reads the header: `# expect: TEXT`, then optional `# line: N` / `# file: F` for it; `# count: N` for the whole file. */
function header(file: string): { expectations: Expectation[]; count?: number } {
  const expectations: Expectation[] = [];
  let count: number | undefined;
  for (const line of readFileSync(path.join(CORPUS, file), 'utf8').split('\n')) {
    const match = /^# (expect|line|file|count): (.*)$/.exec(line);
    if (!match) break;
    const [, key, value] = match as unknown as [string, string, string];
    const last = expectations.at(-1);
    if (key === 'expect') expectations.push({ text: value });
    else if (key === 'count') count = Number(value);
    else if (last && key === 'line') last.line = Number(value);
    else if (last && key === 'file') last.file = value;
  }
  return { expectations, count };
}

async function problemsOf(file: string): Promise<ScenarioValidationError> {
  const error = await loadDocuments([path.join(CORPUS, file)], testCatalog()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${file} should be rejected`).toBeInstanceOf(ScenarioValidationError);
  return error as ScenarioValidationError;
}

describe('scenario corpus', () => {
  it('has enough fixtures', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(30);
    expect(valid.length).toBeGreaterThanOrEqual(3);
  });

  it.each(invalid)('%s is rejected with the expected problems', async (file) => {
    const { expectations, count } = header(file);
    expect(expectations.length, `${file} needs a first line "# expect: ..."`).toBeGreaterThan(0);
    const error = await problemsOf(file);
    const lines = error.problems.map(renderProblem);
    for (const want of expectations) {
      const found = error.problems.find((p) => renderProblem(p).includes(want.text));
      expect(found, `no problem contains ${JSON.stringify(want.text)} in:\n${lines.join('\n')}`).toBeDefined();
      expect(path.resolve(found!.file)).toBe(path.join(CORPUS, want.file ?? file));
      if (want.line !== undefined) expect(found!.line, renderProblem(found!)).toBe(want.line);
      expect(found!.column).toBeGreaterThanOrEqual(1);
      expect(error.message).toContain(renderProblem(found!));
    }
    if (count !== undefined) expect(error.problems.length, lines.join('\n')).toBe(count);
  });

  it.each(valid)('%s loads', async (file) => {
    const loaded = await loadDocuments([path.join(CORPUS, file)], testCatalog());
    expect(loaded.scenarios.length).toBeGreaterThan(0);
    for (const scenario of loaded.scenarios) {
      expect(scenario.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(path.isAbsolute(scenario.file)).toBe(true);
      expect(scenario.dir).toBe(path.dirname(scenario.file));
      expect(scenario.document.kind).toBe('Scenario');
    }
  });
});
