import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/**
 * Runs kdrill's CLI in-process with stdout and stderr captured: call `start()` in beforeEach and `stop()` in afterEach
 * (it restores the spies and process.exitCode).
 */
export function cliHarness() {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  return {
    start() {
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.stdout.push(String(chunk)), true));
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (out.stderr.push(String(chunk)), true));
    },
    stop() {
      vi.restoreAllMocks();
      process.exitCode = undefined;
    },
    async run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      out.stdout.length = 0;
      out.stderr.length = 0;
      process.exitCode = undefined;
      const code = await main(argv);
      return { code, stdout: out.stdout.join(''), stderr: out.stderr.join('') };
    },
  };
}
