import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { KdrillError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { toolsDir } from './paths.js';
import type { PinnedVersions } from './binaries.js';
import { replaceDir } from './replace-dir.js';

/** The two cache folders: Kubernetes (kube-apiserver, kube-controller-manager, kubectl) and etcd (etcd, etcdctl, etcdutl). */
export type BinaryGroup = 'kube' | 'etcd';

export interface BuildOptions {
  logger: Logger;
  dirs: Record<BinaryGroup, string>;
  versions: PinnedVersions;
  env?: NodeJS.ProcessEnv;
  /** Rebuild even when the cache already has the binaries. */
  force?: boolean;
  /** Build only these folders (default both). */
  groups?: readonly BinaryGroup[];
}

/**
 * Build kube-apiserver, kube-controller-manager, kubectl (tools/kube) and etcd, etcdctl, etcdutl (tools/etcd) from
 * the Go module proxy into versioned cache folders. Each folder appears only when complete (build to temp, rename).
 */
export async function buildBinaries(options: BuildOptions): Promise<void> {
  await assertGo(options.env);
  const kube = options.versions.kubernetes;
  const [major, minor] = kube.replace(/^v/, '').split('.');
  const stamp = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((p) => [
    `-X ${p}.gitVersion=${kube}`,
    `-X ${p}.gitMajor=${major}`,
    `-X ${p}.gitMinor=${minor}`,
    `-X ${p}.gitTreeState=clean`,
    `-X ${p}.buildDate=1970-01-01T00:00:00Z`,
  ]);
  const groups = options.groups ?? ['kube', 'etcd'];
  if (groups.includes('kube')) await buildInto(options, options.dirs.kube, join(toolsDir(), 'kube'), [
    ['k8s.io/kubernetes/cmd/kube-apiserver', 'k8s.io/kubernetes/cmd/kube-controller-manager', 'k8s.io/kubernetes/cmd/kubectl'],
  ], stamp, `Kubernetes ${kube} (kube-apiserver, kube-controller-manager, kubectl)`);
  // Each etcd main package is named after its module, so each needs its own -o.
  if (groups.includes('etcd')) await buildInto(options, options.dirs.etcd, join(toolsDir(), 'etcd'), [
    ['go.etcd.io/etcd/server/v3', 'etcd'],
    ['go.etcd.io/etcd/etcdctl/v3', 'etcdctl'],
    ['go.etcd.io/etcd/etcdutl/v3', 'etcdutl'],
  ], [], `etcd ${options.versions.etcd} (etcd, etcdctl, etcdutl)`);
}

async function buildInto(
  options: BuildOptions,
  target: string,
  moduleDir: string,
  groups: string[][],
  ldflags: string[],
  label: string,
): Promise<void> {
  if (existsSync(target) && !options.force) return;
  const started = Date.now();
  options.logger.info(`building ${label} from the Go module proxy (first time only; several minutes)`);
  const ticker = setInterval(() => options.logger.info(`still building ${label}`, { elapsed: `${Math.round((Date.now() - started) / 1000)}s` }), 30_000);
  try {
    await replaceDir(target, async (tmp) => {
      for (const group of groups) {
        const single = group.length === 2 && !group[1]!.includes('/');
        const out = single ? join(tmp, group[1]!) : `${tmp}/`;
        const pkgs = single ? [group[0]!] : group;
        const args = ['build', '-trimpath', '-ldflags', ['-s', '-w', ...ldflags].join(' '), '-o', out, ...pkgs];
        await runGo(args, moduleDir, options.env);
      }
    });
    options.logger.info(`built ${label}`, { seconds: Math.round((Date.now() - started) / 1000), dir: target });
  } finally {
    clearInterval(ticker);
  }
}

async function runGo(args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const result = await execa('go', args, {
    cwd,
    env: { ...(env ?? process.env), CGO_ENABLED: '0' },
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) {
    const tail = (result.all ?? '').split('\n').slice(-15).join('\n');
    throw new KdrillError('E_BUILD_FAILED', `go ${args.slice(0, 1).join(' ')} in ${cwd} failed (exit ${result.exitCode}):\n${tail}`, {
      hint: 'check that the Go module proxy is reachable (GOPROXY) and Go is >= 1.26; or set KDRILL_BIN_DIR to prebuilt binaries',
    });
  }
}

async function assertGo(env?: NodeJS.ProcessEnv): Promise<void> {
  const probe = await execa('go', ['version'], { env: env ?? process.env, reject: false });
  if (probe.failed) {
    throw new KdrillError('E_NO_GO', 'the control-plane binaries are not built yet and no Go toolchain was found', {
      hint: 'install Go >= 1.26 (https://go.dev/dl) and retry, or set KDRILL_BIN_DIR (or KUBEBUILDER_ASSETS) to a folder with kube-apiserver, kube-controller-manager, etcd, etcdctl and etcdutl',
    });
  }
}
