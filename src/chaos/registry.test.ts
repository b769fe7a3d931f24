import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAjv } from '../scenario/ajv.js';
import type { ChaosStep } from '../contracts/types.js';
import { CHAOS_STEPS } from './registry.js';

const isStep = (value: unknown): value is ChaosStep =>
  typeof value === 'object' && value !== null && typeof (value as ChaosStep).run === 'function' && typeof (value as ChaosStep).id === 'string';

describe('chaos registry', () => {
  it('registers every step exported by a file of src/chaos under its own id', async () => {
    const files = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'registry.ts');
    const exported: ChaosStep[] = [];
    for (const file of files) exported.push(...Object.values(await import(/* @vite-ignore */ pathToFileURL(join(import.meta.dirname, file)).href)).filter(isStep));
    expect(exported.map((s) => s.id).sort()).toEqual(Object.keys(CHAOS_STEPS).sort());
    for (const [id, step] of Object.entries(CHAOS_STEPS)) expect(step.id).toBe(id);
    expect(Object.keys(CHAOS_STEPS)).toHaveLength(14);
  });

  it('gives every step a one-line description and an options schema strict ajv compiles', () => {
    const ajv = createAjv();
    for (const step of Object.values(CHAOS_STEPS)) {
      expect(step.description, step.id).toMatch(/^[A-Z][^\n]{20,140}$/);
      expect(() => ajv.compile(step.optionsSchema), step.id).not.toThrow();
    }
  });

  it('marks every step that touches the cluster destructive; only rotate-kek is not', () => {
    const safe = Object.values(CHAOS_STEPS).filter((s) => !s.destructive).map((s) => s.id);
    expect(safe).toEqual(['rotate-kek']);
  });

  it('accepts a scenario-style options object and rejects an unknown field through ajv', () => {
    const validate = createAjv().compile(CHAOS_STEPS['delete-namespaces']!.optionsSchema);
    expect(validate({ names: ['shop'], timeout: '30s' })).toBe(true);
    expect(validate({ names: ['shop'], wait: true })).toBe(false);
    expect(validate({ names: ['shop'], timeout: 'soon' })).toBe(false);
  });
});
