import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

// What a start costs is decided by static imports: these tests walk them (esbuild's module graph, dynamic import()s
// not followed) so that a new static import of a heavy library on a cheap path fails here, with the import chain.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Libraries that cost 50-400 ms to import: only the code paths that use them may load them, with import(). */
const HEAVY = ['@kubernetes/client-node', '@aws-sdk/', 'testcontainers', '@testcontainers/', '@peculiar/x509', 'reflect-metadata', 'listr2', 'zx'];

/** Every package reached from `entry` through static imports, with the chain of files that imports it. */
async function staticPackages(entry: string, cwd = ROOT): Promise<Map<string, string[]>> {
  const result = await build({ entryPoints: [entry], absWorkingDir: cwd, bundle: true, write: false, metafile: true, packages: 'external', platform: 'node', format: 'esm', logLevel: 'silent' });
  const inputs: Metafile['inputs'] = result.metafile.inputs;
  const parent = new Map<string, string | undefined>([[entry, undefined]]);
  const packages = new Map<string, string[]>();
  const chain = (file: string | undefined): string[] => (file === undefined ? [] : [...chain(parent.get(file)), file]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const imp of inputs[file]?.imports ?? []) {
      if (imp.kind === 'dynamic-import' || imp.path.startsWith('node:')) continue;
      if (imp.external) {
        if (!packages.has(imp.path)) packages.set(imp.path, chain(file));
      } else if (!parent.has(imp.path)) {
        parent.set(imp.path, file);
        queue.push(imp.path);
      }
    }
  }
  return packages;
}

const heavyIn = (packages: Map<string, string[]>) =>
  [...packages].filter(([name]) => HEAVY.some((h) => name === h || name.startsWith(h.endsWith('/') ? h : `${h}/`))).map(([name, via]) => `${name} via ${via.join(' > ')}`);

describe('start-up imports', () => {
  it('main.ts (--version, --help) loads commander and nothing else from npm', async () => {
    expect([...(await staticPackages('src/cli/main.ts')).keys()]).toEqual(['commander']);
  });

  it.each(['src/scenario/catalog.ts', 'src/cli/commands/validate.ts', 'src/cli/commands/list.ts'])(
    '%s (every plugin registry) statically imports no heavy library: plugins import them where they use them',
    async (entry) => {
      expect(heavyIn(await staticPackages(entry))).toEqual([]);
    },
  );

  it('notices a heavy static import and names the chain, but not a dynamic one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kdrill-startup-'));
    try {
      await writeFile(join(dir, 'plugin.ts'), "import './client.js';\nexport const lazy = () => import('@aws-sdk/client-s3');\n");
      await writeFile(join(dir, 'client.ts'), "export { KubeConfig } from '@kubernetes/client-node';\n");
      expect(heavyIn(await staticPackages('plugin.ts', dir))).toEqual(['@kubernetes/client-node via plugin.ts > client.ts']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
