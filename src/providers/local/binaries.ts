import { existsSync, readFileSync, statSync, accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { cacheDir, toolsDir } from './paths.js';
import { installBinaries } from './install.js';

export const KUBE_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kubectl'] as const;
export const ETCD_BINARIES = ['etcd', 'etcdctl', 'etcdutl'] as const;
export type BinaryName = (typeof KUBE_BINARIES)[number] | (typeof ETCD_BINARIES)[number];
/** kubectl is a convenience for users (printed hints); the cluster runs without it. */
const REQUIRED: readonly BinaryName[] = ['kube-apiserver', 'kube-controller-manager', 'etcd', 'etcdctl', 'etcdutl'];

export interface BinarySet {
  paths: Partial<Record<BinaryName, string>> & Record<Exclude<BinaryName, 'kubectl'>, string>;
  /** Where each binary came from: --bin-dir, KDRILL_BIN_DIR, KUBEBUILDER_ASSETS, cache, PATH. */
  sources: Partial<Record<BinaryName, string>>;
}

export interface PinnedVersions {
  kubernetes: string;
  etcd: string;
}

/** The versions pinned by kdrill's Go wrapper modules (tools/kube/go.mod, tools/etcd/go.mod). */
export function pinnedVersions(): PinnedVersions {
  const kube = readRequire(join(toolsDir(), 'kube', 'go.mod'), 'k8s.io/kubernetes');
  const etcd = readRequire(join(toolsDir(), 'etcd', 'go.mod'), 'go.etcd.io/etcd/server/v3');
  return { kubernetes: kube, etcd };
}

function readRequire(goMod: string, module: string): string {
  const text = readFileSync(goMod, 'utf8');
  const match = new RegExp(`^\\s*(?:require\\s+)?${module.replace(/\./g, '\\.')}\\s+(v\\S+)`, 'm').exec(text);
  if (!match?.[1]) throw new KdrillError('E_INTERNAL', `${goMod} does not require ${module}`);
  return match[1];
}

/** Cache folders for the pinned versions. */
export function cachedBinDirs(versions = pinnedVersions()): { kube: string; etcd: string } {
  const root = join(cacheDir(), 'bin');
  return { kube: join(root, `kubernetes-${versions.kubernetes}`), etcd: join(root, `etcd-${versions.etcd}`) };
}

export interface ResolveOptions {
  binDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Download or build missing binaries (default true). */
  build?: boolean;
  logger: Logger;
}

/**
 * Find every control-plane binary: --bin-dir, then $KDRILL_BIN_DIR, $KUBEBUILDER_ASSETS (envtest layout), the cache
 * of pinned builds, then PATH. Missing ones are installed into the cache: the official release binaries (checksums
 * verified), else built from the pinned Go modules.
 */
export async function resolveBinaries(options: ResolveOptions): Promise<BinarySet> {
  const env = options.env ?? process.env;
  if (options.binDir) assertBinDir(options.binDir, '--bin-dir');
  if (env.KDRILL_BIN_DIR) assertBinDir(env.KDRILL_BIN_DIR, 'KDRILL_BIN_DIR');
  let found = search(options, env);
  const missing = REQUIRED.filter((b) => !found.paths[b]);
  if (missing.length > 0) {
    if (options.binDir) {
      throw new KdrillError('E_BIN_DIR', `--bin-dir ${options.binDir} lacks ${missing.join(', ')}`, {
        hint: 'put every control-plane binary there, or drop --bin-dir to let kdrill build them (kdrill cluster build)',
      });
    }
    if (options.build === false) throw missingError(missing);
    await installBinaries({ logger: options.logger, dirs: cachedBinDirs(), versions: pinnedVersions(), env });
    found = search(options, env);
  }
  const stillMissing = REQUIRED.filter((b) => !found.paths[b]);
  if (stillMissing.length > 0) throw missingError(stillMissing);
  return found as BinarySet;
}

function search(options: ResolveOptions, env: NodeJS.ProcessEnv): { paths: Partial<Record<BinaryName, string>>; sources: Partial<Record<BinaryName, string>> } {
  const dirs = cachedBinDirs();
  const places: [string, string[]][] = [];
  if (options.binDir) places.push(['--bin-dir', [options.binDir]]);
  else {
    if (env.KDRILL_BIN_DIR) places.push(['KDRILL_BIN_DIR', [env.KDRILL_BIN_DIR]]);
    if (env.KUBEBUILDER_ASSETS) places.push(['KUBEBUILDER_ASSETS', [env.KUBEBUILDER_ASSETS]]);
    places.push(['cache', [dirs.kube, dirs.etcd]]);
    places.push(['PATH', (env.PATH ?? '').split(delimiter).filter(Boolean)]);
  }
  const paths: Partial<Record<BinaryName, string>> = {};
  const sources: Partial<Record<BinaryName, string>> = {};
  for (const name of [...KUBE_BINARIES, ...ETCD_BINARIES]) {
    for (const [source, candidates] of places) {
      const hit = candidates.map((d) => join(d, name)).find(isExecutable);
      if (hit) {
        paths[name] = hit;
        sources[name] = source;
        break;
      }
    }
  }
  return { paths, sources };
}

function assertBinDir(dir: string, what: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new KdrillError('E_BIN_DIR', `${what} ${dir} is not a directory`, {
      hint: 'point it at a folder holding kube-apiserver, kube-controller-manager, etcd, etcdctl and etcdutl, or unset it',
    });
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function missingError(missing: readonly string[]): KdrillError {
  return new KdrillError('E_BINARY_MISSING', `control-plane binaries not found: ${missing.join(', ')}`, {
    hint: 'install Go (>= 1.26) so kdrill can build them (kdrill cluster build), or set KDRILL_BIN_DIR to a folder that holds them',
  });
}

/** Reads `kube-apiserver --version` and `etcd --version`: what reports name. */
export async function binaryVersions(set: BinarySet): Promise<{ kubernetes: string; etcd: string }> {
  const [kube, etcd] = await Promise.all([
    execa(set.paths['kube-apiserver'], ['--version'], { reject: false, timeout: 20_000 }),
    execa(set.paths.etcd, ['--version'], { reject: false, timeout: 20_000 }),
  ]);
  return {
    kubernetes: /Kubernetes (v\S+)/.exec(kube.stdout)?.[1] ?? 'unknown',
    etcd: /etcd Version: (\S+)/.exec(etcd.stdout)?.[1] ?? 'unknown',
  };
}
