import type { Reporter } from '../engine/types.js';

/** Every reporter by id; `kdrill run` writes all of them. */
export const REPORTERS: Record<string, Reporter> = {};
