import { describe, expect, it } from 'vitest';
import { CHAOS_STEPS } from '../chaos/registry.js';
import { CHECKS } from '../checks/registry.js';
import { KMS_PROVIDERS } from '../crypto/registry.js';
import { PROVIDERS } from '../providers/registry.js';
import { STRATEGIES } from '../strategies/registry.js';
import { createValidators } from './ajv.js';
import { defaultCatalog, type PluginCatalog } from './catalog.js';

describe('defaultCatalog', () => {
  const catalog = defaultCatalog();

  it('holds exactly the registered plugins', () => {
    expect(Object.keys(catalog.providers).sort()).toEqual(Object.keys(PROVIDERS).sort());
    expect(Object.keys(catalog.strategies).sort()).toEqual(Object.keys(STRATEGIES).sort());
    expect(Object.keys(catalog.chaos).sort()).toEqual(Object.keys(CHAOS_STEPS).sort());
    expect(Object.keys(catalog.checks).sort()).toEqual(Object.keys(CHECKS).sort());
    expect(Object.keys(catalog.kms).sort()).toEqual(Object.keys(KMS_PROVIDERS).sort());
  });

  it('keeps restore targets of strategies', () => {
    for (const [id, strategy] of Object.entries(STRATEGIES)) expect(catalog.strategies[id]?.targets).toEqual(strategy.targets);
  });

  // Scenarios naming a plugin fail to load when its schema is not strict JSON Schema: catch that here, per plugin.
  it.each(Object.keys(catalog) as (keyof PluginCatalog)[])('every %s options schema compiles under strict ajv', (category) => {
    const validators = createValidators();
    for (const [id, entry] of Object.entries(catalog[category])) {
      expect(() => validators.options(entry.optionsSchema), `${category}/${id}`).not.toThrow();
      expect(entry.description.length, `${category}/${id} needs a description`).toBeGreaterThan(0);
    }
  });
});
