import type { ClusterProvider } from './types.js';

/** Every cluster provider by its scenario id. A new provider = one file (or folder) + one line here. */
export const PROVIDERS: Record<string, ClusterProvider> = {};
