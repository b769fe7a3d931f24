import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateSchemas, SCHEMA_DIR } from './export-schema.js';

const CORPUS = fileURLToPath(new URL('../../test/fixtures/scenarios/', import.meta.url));
const committed = (name: string) => readFileSync(path.join(SCHEMA_DIR, name), 'utf8');

describe('editor schemas', () => {
  it('schema/*.json equal what export-schema generates (run `node --import tsx src/scenario/export-schema.ts` after editing schema.ts)', () => {
    const generated = generateSchemas();
    expect(Object.keys(generated).sort()).toEqual(['drill.schema.json', 'scenario.schema.json']);
    for (const [name, text] of Object.entries(generated)) expect(committed(name), name).toBe(text);
  });

  it('are plain draft-07 JSON Schema that another validator accepts', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const scenario = ajv.compile(JSON.parse(committed('scenario.schema.json')) as object);
    const drill = ajv.compile(JSON.parse(committed('drill.schema.json')) as object);
    const load = (name: string) => parse(readFileSync(path.join(CORPUS, name), 'utf8')) as unknown;
    expect(scenario(load('valid-minimal.yaml'))).toBe(true);
    expect(scenario(load('valid-full.yaml'))).toBe(true);
    expect(drill(load('valid-drill.yaml'))).toBe(true);
    expect(scenario(load('invalid-unknown-spec-field.yaml'))).toBe(false);
    expect(scenario.errors?.map((e) => e.params)).toContainEqual({ additionalProperty: 'bakup' });
    expect(drill(load('invalid-drill-bad-concurrency.yaml'))).toBe(false);
  });
});
