import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testCatalog } from '../../../test/fixtures/scenarios/test-catalog.js';
import { createLogger } from '../../core/logger.js';
import { KdrillError } from '../../core/errors.js';
import { main } from '../main.js';
import { createValidateCommand, validateFiles } from './validate.js';

const CORPUS = fileURLToPath(new URL('../../../test/fixtures/scenarios/', import.meta.url));
const shown = (name: string) => path.relative(process.cwd(), path.join(CORPUS, name));

afterEach(() => vi.restoreAllMocks());

function collect() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: { stdout: (t: string) => stdout.push(t), stderr: (t: string) => stderr.push(t) } };
}

describe('validateFiles', () => {
  it('prints ✓ lines for valid files and every problem of the others', async () => {
    const { stdout, stderr, out } = collect();
    const files = ['valid-minimal.yaml', 'invalid-several-errors.yaml', 'valid-drill.yaml', 'nope.yaml'].map((f) => path.join(CORPUS, f));
    const summary = await validateFiles(files, testCatalog(), out);
    expect(summary).toEqual({ files: 4, invalid: 2, problems: 6, missing: 1 });
    expect(stdout).toEqual([
      `✓ ${shown('valid-minimal.yaml')} (Scenario minimal)`,
      `✓ ${shown('valid-drill.yaml')} (Drill nightly: 3 scenarios)`,
      `  ✓ ${shown('parts/nightly-a.yaml')} (Scenario drill-a)`,
      `  ✓ ${shown('parts/nightly-b.yaml')} (Scenario drill-b)`,
      `  ✓ ${shown('valid-minimal.yaml')} (Scenario minimal)`,
    ]);
    expect(stderr).toHaveLength(7);
    expect(stderr[0]).toBe(`${shown('invalid-several-errors.yaml')}:14:13 apiVersion: must be "kdrill.dev/v1alpha1", got "kdrill.dev/v1" (hint: did you mean "kdrill.dev/v1alpha1"?)`);
    expect(stderr.slice(1, 6).map((l) => l.split(' ')[0]!.split(':')[1])).toEqual(['17', '20', '24', '26', '27']);
    expect(stderr[6]).toMatch(/nope\.yaml not found \(hint: check the path/);
  });
});

describe('kdrill validate', () => {
  function program() {
    const { stdout, out } = collect();
    const cli = new Command('kdrill').exitOverride();
    createValidateCommand(testCatalog).register(cli, { logger: () => createLogger(), stdout: out.stdout });
    cli.commands.forEach((c) => c.exitOverride());
    return { cli, stdout };
  }

  it('succeeds when every file is valid', async () => {
    const { cli, stdout } = program();
    await cli.parseAsync(['validate', path.join(CORPUS, 'valid-full.yaml')], { from: 'user' });
    expect(stdout).toEqual([`✓ ${shown('valid-full.yaml')} (Scenario etcd-fresh-restore)`]);
  });

  it('fails with a summary after printing the problems', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { cli } = program();
    const run = cli.parseAsync(['validate', path.join(CORPUS, 'valid-full.yaml'), path.join(CORPUS, 'invalid-kind.yaml')], { from: 'user' });
    await expect(run).rejects.toBeInstanceOf(KdrillError);
    await expect(run).rejects.toMatchObject({ code: 'E_SCENARIO_INVALID', message: '1 of 2 files invalid (1 problem)' });
    expect(process.stderr.write).toHaveBeenCalledWith(expect.stringContaining('invalid-kind.yaml:4:7 kind: unknown kind "Senario"'));
  });

  it('exits 2 through main, with problems on stderr', async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    expect(await main(['validate', path.join(CORPUS, 'invalid-yaml-syntax.yaml')])).toBe(2);
    expect(stderr[0]).toMatch(/invalid-yaml-syntax\.yaml:9:\d+: YAML syntax error/);
    expect(stderr.at(-1)).toContain('kdrill: E_SCENARIO_INVALID: 1 of 1 file invalid (1 problem)');
  });

  it('shows help with an example', async () => {
    const stdout: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
    expect(await main(['validate', '--help'])).toBe(0);
    expect(stdout.join('')).toContain('$ kdrill validate scenarios/*.yaml drills/nightly.yaml');
  });

  it('exits 2 without files', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['validate'])).toBe(2);
  });
});
