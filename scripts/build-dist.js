#!/usr/bin/env node
// Compiles src/ into dist/ (ES modules for Node 20, one output file per source file, linked source maps) and stamps
// it with the fingerprint of exactly the bytes compiled, which bin/select-entry.js compares at every start.
// Run by `npm run build`, by `npm ci` (prepare) and before `npm test`; a no-op when dist/ is already current.
// esbuild only strips types (the code base is isolatedModules-clean); type checking is `npm run lint`.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { STAMP_FILE, readSources, readStamp } from '../bin/select-entry.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');
const started = Date.now();
const { contents, assets, fingerprint } = readSources(root);

if (!force && readStamp(root) === fingerprint && existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  console.error('dist/ is up to date');
} else {
  const tmp = join(root, `.dist-tmp-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  try {
    await build({
      entryPoints: [...contents.keys()],
      outdir: tmp,
      outbase: join(root, 'src'),
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'linked',
      logLevel: 'warning',
      // Compile the bytes that were fingerprinted, not whatever is on disk a moment later.
      plugins: [{ name: 'fingerprinted-sources', setup: (b) => b.onLoad({ filter: /\.ts$/ }, (args) => ({ contents: contents.get(args.path), loader: 'ts' })) }],
    });
    for (const [path, bytes] of assets) {
      const out = join(tmp, relative(join(root, 'src'), path));
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, bytes);
    }
    await writeFile(join(tmp, STAMP_FILE), JSON.stringify({ fingerprint, files: contents.size }) + '\n');
    // Swap whole folders: a concurrent kdrill sees the old build, no build (and runs the sources), or the new one.
    const old = join(root, `.dist-old-${process.pid}`);
    if (existsSync(join(root, 'dist'))) await rename(join(root, 'dist'), old);
    await rename(tmp, join(root, 'dist'));
    await rm(old, { recursive: true, force: true });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  console.error(`dist/: ${contents.size} files compiled in ${Date.now() - started} ms`);
}
