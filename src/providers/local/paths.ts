import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where kdrill caches built binaries: $KDRILL_CACHE_DIR, else $XDG_CACHE_HOME/kdrill, else ~/.cache/kdrill. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KDRILL_CACHE_DIR) return env.KDRILL_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kdrill');
}

/** Where local clusters live: $KDRILL_HOME/clusters, else $XDG_STATE_HOME/kdrill/clusters, else ~/.local/state/kdrill/clusters. */
export function clustersDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KDRILL_HOME) return join(env.KDRILL_HOME, 'clusters');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'kdrill', 'clusters');
}

/** The Go wrapper modules shipped with kdrill (tools/kube, tools/etcd). */
export function toolsDir(): string {
  return new URL('../../../tools/', import.meta.url).pathname;
}
