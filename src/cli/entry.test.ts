import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEntry } from '../../bin/select-entry.js';

// bin/kdrill.js runs dist/ only when it was built from exactly the src/ on disk: these tests prove, on a copy of the
// checkout, that an edited, added or removed source file is what runs, and that a build makes dist/ current again.
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kdrill-entry-'));
  for (const path of ['bin', 'scripts', 'src', 'tsconfig.json', 'package.json']) await cp(join(REPO, path), join(root, path), { recursive: true });
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'));
  await build();
});
afterAll(() => rm(root, { recursive: true, force: true }));

const build = () => run(process.execPath, [join(root, 'scripts', 'build-dist.js')], { cwd: root });
const kdrill = async (...argv: string[]) => {
  const { stdout, stderr } = await run(process.execPath, [join(root, 'bin', 'kdrill.js'), ...argv], { cwd: root, env: { ...process.env, KDRILL_DEBUG_ENTRY: '1' } });
  return { stdout: stdout.trim(), entry: /running (\w+)/.exec(stderr)?.[1] };
};
const entryKind = () => chooseEntry(root, {}).kind;

describe('bin/kdrill.js: dist/ or the sources', () => {
  it('runs dist/ right after a build, and the sources (edited) as soon as a file in src/ changes', async () => {
    expect(await kdrill('--version')).toEqual({ stdout: '0.1.0', entry: 'dist' });
    const version = join(root, 'src', 'core', 'version.ts');
    const original = await readFile(version, 'utf8');
    await writeFile(version, original.replace('.version;', ".version + '-edited';"));
    expect(await kdrill('--version')).toEqual({ stdout: '0.1.0-edited', entry: 'source' });
    await build();
    expect(await kdrill('--version')).toEqual({ stdout: '0.1.0-edited', entry: 'dist' });
    await writeFile(version, original);
    expect(await kdrill('--version')).toEqual({ stdout: '0.1.0', entry: 'source' });
    await build();
  });

  it('treats an added or removed source file, or a changed build setting, as a change; tests are not compiled', async () => {
    expect(entryKind()).toBe('dist');
    await writeFile(join(root, 'src', 'core', 'added.ts'), 'export const added = 1;\n');
    expect(entryKind()).toBe('source');
    await rm(join(root, 'src', 'core', 'added.ts'));
    expect(entryKind()).toBe('dist');
    await rm(join(root, 'src', 'cli', 'parse.ts'));
    expect(entryKind()).toBe('source');
    await cp(join(REPO, 'src', 'cli', 'parse.ts'), join(root, 'src', 'cli', 'parse.ts'));
    await appendFile(join(root, 'tsconfig.json'), '\n');
    expect(entryKind()).toBe('source');
    await cp(join(REPO, 'tsconfig.json'), join(root, 'tsconfig.json'));
    await appendFile(join(root, 'src', 'cli', 'parse.test.ts'), '// a test edit\n');
    expect(entryKind()).toBe('dist');
  });

  it('copies the data files src/ reads beside its code into dist/, and an edited one counts as a change', async () => {
    const policy = join('bootstrap', 'data', 'bootstrap-policy.json');
    expect(await readFile(join(root, 'dist', policy), 'utf8')).toBe(await readFile(join(root, 'src', policy), 'utf8'));
    expect(entryKind()).toBe('dist');
    await appendFile(join(root, 'src', policy), '\n');
    expect(entryKind()).toBe('source');
    await build();
    expect(entryKind()).toBe('dist');
    expect(await readFile(join(root, 'dist', policy), 'utf8')).toBe(await readFile(join(root, 'src', policy), 'utf8'));
  });

  it('runs the sources when dist/ is missing or its build stamp is, and when KDRILL_FROM_SOURCE=1', async () => {
    expect(chooseEntry(root, { KDRILL_FROM_SOURCE: '1' }).kind).toBe('source');
    await rm(join(root, 'dist', '.kdrill-build.json'));
    expect(entryKind()).toBe('source');
    await rm(join(root, 'dist'), { recursive: true });
    expect(await kdrill('--version')).toEqual({ stdout: '0.1.0', entry: 'source' });
  });
});
