import type { BackupStrategy } from '../engine/types.js';

/** Every backup strategy by its scenario id. A new strategy = one file + one line here. */
export const STRATEGIES: Record<string, BackupStrategy> = {};
