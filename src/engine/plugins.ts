import { KdrillError } from '../core/errors.js';
import { STRATEGIES } from '../strategies/registry.js';
import { CHAOS_STEPS } from '../chaos/registry.js';
import { CHECKS } from '../checks/registry.js';
import { PROVIDERS } from '../providers/registry.js';
import type { ClusterProvider } from '../providers/types.js';
import type { BackupStrategy, ChaosStep, Check } from '../contracts/types.js';

function lookup<T>(map: Record<string, T>, id: string, noun: string): T {
  const found = map[id];
  if (!found) {
    throw new KdrillError('E_UNKNOWN_PLUGIN', `unknown ${noun} "${id}"`, { hint: `valid: ${Object.keys(map).sort().join(', ')} (kdrill list)` });
  }
  return found;
}

/** Registry lookups that fail with a list of valid ids (the loader already checked; library callers may not have). */
export const plugins = {
  strategy: (id: string): BackupStrategy => lookup(STRATEGIES, id, 'strategy'),
  chaos: (id: string): ChaosStep => lookup(CHAOS_STEPS, id, 'chaos step'),
  check: (id: string): Check => lookup(CHECKS, id, 'check'),
  provider: (id: string): ClusterProvider => lookup(PROVIDERS, id, 'provider'),
};
