import type { Check } from '../engine/types.js';

/** Every check by its scenario id. A new check = one file + one line here. */
export const CHECKS: Record<string, Check> = {};
