import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (src/**/*.test.ts); integration tests under test/ start real clusters.
// Two workers: the machine has two cores and every integration file runs its own control plane.
// Integration timeouts are generous on purpose: the suite must pass on a machine five times slower (or shared with
// other heavy jobs). Tests wait on conditions, never on the clock; timing belongs in bench/.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts', 'bench/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], testTimeout: 20 * 60_000, hookTimeout: 20 * 60_000 } },
    ],
  },
});
