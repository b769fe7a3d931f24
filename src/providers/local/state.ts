import { readFile, readdir, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ComponentName } from '../types.js';
import type { Ports } from './flags.js';

/** What `cluster.json` records about a local cluster, so another kdrill process can list or stop it. */
export interface LocalClusterState {
  name: string;
  createdAt: string;
  /** The kdrill process that created it (drills) or undefined for `kdrill cluster up`. */
  ownerPid?: number;
  ports: Ports;
  /** Process ids by component, and by member name for the etcd members of a multi-member cluster. */
  pids: Partial<Record<ComponentName | string, number>>;
  /** The etcd members when there are several (absent: one member named `default` on ports.etcdClient/etcdPeer). */
  etcdMembers?: { name: string; clientPort: number; peerPort: number }[];
  /** --initial-cluster-token of the current etcd cluster (a snapshot restore makes a new one). */
  etcdToken?: string;
  /** Members re-added by a member replacement: they join the existing cluster instead of founding a new one. */
  etcdJoining?: string[];
  binaries: Record<string, string>;
  versions: { kubernetes: string; etcd: string };
  controllers: string[];
  fsync: boolean;
}

export async function writeState(file: string, state: LocalClusterState): Promise<void> {
  // Members start concurrently and each records its pid: a tmp name per write keeps the renames from colliding.
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, file);
}

export async function readState(file: string): Promise<LocalClusterState> {
  return JSON.parse(await readFile(file, 'utf8')) as LocalClusterState;
}

/** Every cluster dir under `root` that holds a cluster.json. */
export async function listStates(root: string): Promise<{ dir: string; state: LocalClusterState }[]> {
  if (!existsSync(root)) return [];
  const out: { dir: string; state: LocalClusterState }[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = join(root, entry.name, 'cluster.json');
    if (!existsSync(file)) continue;
    try {
      out.push({ dir: join(root, entry.name), state: await readState(file) });
    } catch {
      // A half-written state file: the cluster never finished starting; `cluster down --all` still removes the dir.
    }
  }
  return out;
}
