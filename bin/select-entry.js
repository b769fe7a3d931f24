// Which code bin/kdrill.js runs. The compiled dist/ is used only when it was built from exactly the sources on disk:
// the build stamps dist/ with a sha256 of every file it compiled (plus the build settings), and every start re-hashes
// them (~10 ms). Any difference, a missing dist/ or KDRILL_FROM_SOURCE=1 runs src/ through tsx instead, so an edited
// src/ is never shadowed by stale compiled code. An installed package ships dist/ without src/: nothing to compare.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The stamp the build writes into dist/. */
export const STAMP_FILE = '.kdrill-build.json';
/** Besides src/, what changes the compiled output: the compiler settings and the build script. */
const BUILD_INPUTS = ['tsconfig.json', 'scripts/build-dist.js'];

/** Every file the build compiles: src/**\/*.ts except tests, sorted (absolute paths). */
export function sourceFiles(root) {
  return srcFiles(root, (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts'));
}

/** Data files the code reads beside itself (e.g. src/bootstrap/data/*.json): the build copies them into dist/ as they are. */
export function assetFiles(root) {
  return srcFiles(root, (name) => !name.endsWith('.ts')).filter((path) => !path.split(sep).includes('__snapshots__'));
}

function srcFiles(root, keep) {
  return readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Reads the sources once: their contents (what the build compiles), the data files it copies, and the fingerprint of exactly those bytes. */
export function readSources(root) {
  const hash = createHash('sha256');
  const contents = new Map();
  const add = (path) => {
    const bytes = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
    hash.update(`${relative(root, path).split(sep).join('/')}\0${bytes.length}\0`);
    hash.update(bytes);
    return bytes;
  };
  for (const input of BUILD_INPUTS) add(join(root, input));
  for (const file of sourceFiles(root)) contents.set(file, add(file));
  const assets = new Map(assetFiles(root).map((file) => [file, add(file)]));
  return { contents, assets, fingerprint: hash.digest('hex') };
}

/** The fingerprint recorded in dist/, or undefined when there is no complete build. */
export function readStamp(root) {
  try {
    return JSON.parse(readFileSync(join(root, 'dist', STAMP_FILE), 'utf8')).fingerprint;
  } catch {
    return undefined;
  }
}

/**
 * { kind: 'dist' | 'source', main: URL of the module exporting main(), reason } for the checkout or package at root.
 * `stale` is true when a dist/ exists but was built from other sources (worth a hint to run `npm run build`).
 */
export function chooseEntry(root, env = process.env) {
  const source = (reason, stale = false) => ({ kind: 'source', main: pathToFileURL(join(root, 'src', 'cli', 'main.ts')), reason, stale });
  const dist = (reason) => ({ kind: 'dist', main: pathToFileURL(join(root, 'dist', 'cli', 'main.js')), reason, stale: false });
  const hasSource = existsSync(join(root, 'src', 'cli', 'main.ts'));
  const stamp = existsSync(join(root, 'dist', 'cli', 'main.js')) ? readStamp(root) : undefined;
  if (!hasSource) {
    if (stamp === undefined) throw new Error(`kdrill: neither src/ nor a complete dist/ under ${root}: reinstall kdrill`);
    return dist('installed package (no src/)');
  }
  if (env.KDRILL_FROM_SOURCE === '1') return source('KDRILL_FROM_SOURCE=1');
  if (stamp === undefined) return source('no dist/ build');
  if (stamp !== readSources(root).fingerprint) return source('src/ changed since dist/ was built', true);
  return dist('dist/ was built from this src/');
}
