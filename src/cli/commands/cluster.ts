import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { KdrillError } from '../../core/errors.js';
import type { CliEnv, CommandModule } from '../main.js';
import { createLocalCluster, attachLocalCluster } from '../../providers/local/create.js';
import { clustersDir, cacheDir } from '../../providers/local/paths.js';
import { listStates } from '../../providers/local/state.js';
import { positiveInt } from '../parse.js';
import { isAlive } from '../../providers/local/process.js';
import { installBinaries } from '../../providers/local/install.js';
import { binaryVersions, cachedBinDirs, pinnedVersions, resolveBinaries } from '../../providers/local/binaries.js';

/** `kdrill cluster up|down|list|build`: local clusters for humans. */
export const clusterCommand: CommandModule = {
  register(program: Command, env: CliEnv) {
    const cluster = program.command('cluster').description('start, stop and list local clusters (etcd + kube-apiserver + kube-controller-manager on loopback)');
    cluster
      .command('up')
      .description('start a local cluster and leave it running')
      .option('--name <name>', 'cluster name', 'kdrill')
      .option('--bin-dir <dir>', 'folder with the control-plane binaries (default: build or reuse the cached ones)')
      .option('--port <port>', 'kube-apiserver port on 127.0.0.1 (default: a free one)', positiveInt(1, 65535))
      .option('--etcd-members <n>', 'etcd members: 1, 3 or 5 (default 1)', positiveInt(1, 5))
      .addHelpText('after', '\nExample:\n  kdrill cluster up --name dev\n  kdrill cluster up --name ha --etcd-members 3\n  kubectl --kubeconfig "$(kdrill cluster kubeconfig dev)" get ns')
      .action(async (opts: { name: string; binDir?: string; port?: number; etcdMembers?: number }, cmd: Command) => {
        const logger = env.logger(cmd);
        const started = Date.now();
        const c = await createLocalCluster({ name: opts.name, binDir: opts.binDir, ports: { apiserver: opts.port }, etcdMembers: opts.etcdMembers, persistent: true, logger });
        logger.info(`cluster ${c.name} ready`, { seconds: ((Date.now() - started) / 1000).toFixed(1), kubernetes: c.versions.kubernetes, etcd: c.versions.etcd });
        env.stdout(c.kubeconfigPath);
        process.stderr.write(`\nkubeconfig: ${c.kubeconfigPath}\ntry:        kubectl --kubeconfig ${c.kubeconfigPath} get namespaces\nstop with:  kdrill cluster down ${c.name}\n`);
      });
    cluster
      .command('down')
      .description('stop local clusters and remove their files')
      .argument('[names...]', 'cluster names')
      .option('--all', 'every local cluster')
      .action(async (names: string[], opts: { all?: boolean }, cmd: Command) => {
        const logger = env.logger(cmd);
        if (!opts.all && names.length === 0) throw new KdrillError('E_CLUSTER_NOT_FOUND', 'name a cluster or pass --all', { hint: 'kdrill cluster list shows them' });
        // --all takes every dir, also those whose cluster.json is missing or broken (a start that never finished).
        const targets = opts.all ? await clusterDirs(clustersDir()) : names.map((n) => join(clustersDir(), n));
        for (const dir of targets) {
          const c = await attachLocalCluster(dir, logger).catch(async (error: unknown) => {
            if (opts.all) await rm(dir, { recursive: true, force: true });
            else throw error;
            return undefined;
          });
          await c?.destroy();
          env.stdout(`stopped ${dir.split('/').pop()}`);
        }
      });
    cluster
      .command('list')
      .description('list local clusters')
      .action(async () => {
        const states = await listStates(clustersDir());
        if (states.length === 0) return env.stdout('no local clusters');
        for (const { dir, state } of states) {
          const alive = Object.values(state.pids).filter((p) => p !== undefined && isAlive(p)).length;
          const base = alive === 3 ? 'running' : alive === 0 ? 'stopped' : `degraded (${alive}/3 up)`;
          // A drill's cluster whose kdrill process is gone leaked (SIGKILL, power loss): say how to remove it.
          const orphaned = state.ownerPid !== undefined && !isAlive(state.ownerPid);
          const status = orphaned ? `${base}, orphaned (kdrill pid ${state.ownerPid} is gone: kdrill cluster down ${state.name})` : base;
          env.stdout(`${state.name}\t${status}\t${state.versions.kubernetes}\thttps://127.0.0.1:${state.ports.apiserver}\t${join(dir, 'kubeconfig')}`);
        }
      });
    cluster
      .command('kubeconfig')
      .description('print the kubeconfig path of a local cluster')
      .argument('<name>')
      .action(async (name: string) => env.stdout(join(clustersDir(), name, 'kubeconfig')));
    cluster
      .command('build')
      .description('put the pinned control-plane binaries in the cache: official release binaries (checksums verified), else a Go build (done on first use otherwise)')
      .option('--force', 'replace them even if cached')
      .option('--from-source', 'build with Go, do not download')
      .addHelpText('after', '\nKDRILL_BINARY_MIRROR=URL downloads from an internal mirror with the layout of dl.k8s.io and github.com.')
      .action(async (opts: { force?: boolean; fromSource?: boolean }, cmd: Command) => {
        const logger = env.logger(cmd);
        await installBinaries({ logger, dirs: cachedBinDirs(), versions: pinnedVersions(), force: opts.force ?? false, from: opts.fromSource ? 'go' : 'auto' });
        const set = await resolveBinaries({ logger, build: false });
        const versions = await binaryVersions(set);
        env.stdout(`kubernetes ${versions.kubernetes}, etcd ${versions.etcd} in ${join(cacheDir(), 'bin')}`);
        for (const [name, path] of Object.entries(set.paths)) env.stdout(`  ${name}\t${path}\t(${set.sources[name as keyof typeof set.sources]})`);
      });
  },
};

async function clusterDirs(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => join(root, e.name));
}
