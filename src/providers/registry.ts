import type { ClusterProvider } from './types.js';
import { localProvider } from './local/index.js';

/** Every cluster provider by its scenario id. A new provider = one file (or folder) + one line here. */
export const PROVIDERS: Record<string, ClusterProvider> = {
  local: localProvider,
};
