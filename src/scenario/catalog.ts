import { CHAOS_STEPS } from '../chaos/registry.js';
import { CHECKS } from '../checks/registry.js';
import { KMS_PROVIDERS } from '../crypto/registry.js';
import { PROVIDERS } from '../providers/registry.js';
import { STRATEGIES } from '../strategies/registry.js';

/** What validation needs to know about one plugin: its description, its options' JSON Schema and (strategies) restore targets. */
export interface PluginEntry {
  description: string;
  optionsSchema: object;
  targets?: readonly string[];
}

/** Every plugin a scenario may name, by category and id. */
export interface PluginCatalog {
  providers: Record<string, PluginEntry>;
  strategies: Record<string, PluginEntry>;
  chaos: Record<string, PluginEntry>;
  checks: Record<string, PluginEntry>;
  kms: Record<string, PluginEntry>;
}

/** The plugin categories, with the noun messages use for each. */
export const PLUGIN_NOUNS: Record<keyof PluginCatalog, string> = {
  providers: 'provider',
  strategies: 'strategy',
  chaos: 'chaos step',
  checks: 'check',
  kms: 'KMS provider',
};

/** The catalog of everything registered in the plugin registries (providers, strategies, chaos, checks, KMS). */
export function defaultCatalog(): PluginCatalog {
  return {
    providers: entries(PROVIDERS),
    strategies: entries(STRATEGIES),
    chaos: entries(CHAOS_STEPS),
    checks: entries(CHECKS),
    kms: entries(KMS_PROVIDERS),
  };
}

function entries(registry: Record<string, { description: string; optionsSchema: object; targets?: readonly string[] }>): Record<string, PluginEntry> {
  const out: Record<string, PluginEntry> = {};
  for (const [id, plugin] of Object.entries(registry)) {
    out[id] = { description: plugin.description, optionsSchema: plugin.optionsSchema };
    if (plugin.targets) out[id].targets = plugin.targets;
  }
  return out;
}
