import type { ChaosStep } from '../engine/types.js';

/** Every chaos step by its scenario id. A new step = one file + one line here. */
export const CHAOS_STEPS: Record<string, ChaosStep> = {};
