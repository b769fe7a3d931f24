import { existsSync } from 'node:fs';
import { buildBinaries, type BinaryGroup, type BuildOptions } from './build.js';
import { DownloadUnavailable, downloadEtcd, downloadKubernetes } from './download.js';
import { releasePlan, type ReleasePlan } from './release-urls.js';
import { replaceDir } from './replace-dir.js';

export interface InstallOptions extends BuildOptions {
  /** 'auto' (default): the official release binaries, else the Go build; 'go': the Go build only (--from-source). */
  from?: 'auto' | 'go';
  /** The Go build step; tests replace it, never the downloads. */
  goBuild?: (options: BuildOptions) => Promise<void>;
}

/** How each cache folder was filled. */
export type InstallOutcome = Record<BinaryGroup, 'cached' | 'downloaded' | 'built'>;

const LABEL: Record<BinaryGroup, (o: InstallOptions) => string> = {
  kube: (o) => `Kubernetes ${o.versions.kubernetes}`,
  etcd: (o) => `etcd ${o.versions.etcd}`,
};

/**
 * Fills the binary cache folders that are missing (all of them with `force`): from the official release binaries,
 * each verified against its published checksum before it is kept ($KDRILL_BINARY_MIRROR for an internal mirror of
 * the same layout), and from the Go build for a folder whose download is not possible (HTTP error, no network,
 * truncated file), saying why in one line. A checksum mismatch is refused with E_CHECKSUM: it is never built around.
 */
export async function installBinaries(options: InstallOptions): Promise<InstallOutcome> {
  const groups = options.groups ?? (['kube', 'etcd'] as const);
  const outcome: InstallOutcome = { kube: 'cached', etcd: 'cached' };
  const missing = groups.filter((g) => options.force || !existsSync(options.dirs[g]));
  if (missing.length === 0) return outcome;
  const plan = options.from === 'go' ? undefined : releasePlan(options.versions, options.env ?? process.env);
  if (plan && 'unavailable' in plan) options.logger.info(`${plan.unavailable}: building from the Go module proxy`);
  const toBuild: BinaryGroup[] = [];
  for (const group of missing) {
    const why = plan && !('unavailable' in plan) ? await tryDownload(group, plan, options) : 'not tried';
    if (why === undefined) outcome[group] = 'downloaded';
    else toBuild.push(group);
    if (why !== undefined && why !== 'not tried') options.logger.warn(`${LABEL[group](options)}: official binaries not used (${why}); building from the Go module proxy instead`);
  }
  if (toBuild.length > 0) await (options.goBuild ?? buildBinaries)({ ...options, groups: toBuild });
  for (const group of toBuild) outcome[group] = 'built';
  return outcome;
}

/** Downloads one folder's binaries into the cache; resolves to why it could not (undefined: done). */
async function tryDownload(group: BinaryGroup, plan: ReleasePlan, options: InstallOptions): Promise<string | undefined> {
  const label = LABEL[group](options);
  const from = new URL(group === 'kube' ? plan.kubernetes[0]!.url : plan.etcd.url).origin;
  const started = Date.now();
  options.logger.info(`downloading ${label} from ${from} (official release binaries, checksums verified)`);
  const ticker = setInterval(() => options.logger.info(`still downloading ${label}`, { elapsed: `${Math.round((Date.now() - started) / 1000)}s` }), 30_000);
  try {
    let bytes = 0;
    await replaceDir(options.dirs[group], async (tmp) => {
      bytes = group === 'kube' ? await downloadKubernetes(plan.kubernetes, tmp, options.logger) : await downloadEtcd(plan.etcd, tmp, options.logger);
    });
    options.logger.info(`downloaded ${label}`, { mb: Math.round(bytes / 1e6), seconds: Math.round((Date.now() - started) / 1000), dir: options.dirs[group] });
    return undefined;
  } catch (error) {
    if (error instanceof DownloadUnavailable) return error.message;
    throw error;
  } finally {
    clearInterval(ticker);
  }
}
