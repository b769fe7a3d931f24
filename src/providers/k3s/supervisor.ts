import { KdrillError } from '../../core/errors.js';
import { lastLines } from '../command.js';

/** Where kdrill's files live inside the k3s container. */
export const K3S_PATHS = {
  supervisor: '/kdrill/supervise.sh',
  token: '/kdrill/token',
  /** The supervisor's control files (a tmpfs: gone when the container stops). */
  state: '/run/kdrill',
  snapshots: '/var/lib/rancher/k3s/server/db/snapshots',
  kubeconfig: '/etc/rancher/k3s/k3s.yaml',
} as const;

/** etcd's metrics listener (plain HTTP; `--etcd-expose-metrics` binds it beyond loopback so the host can read the version). */
export const ETCD_METRICS_PORT = 2381;

/**
 * PID 1 of the container (busybox sh). k3s as PID 1 cannot be stopped or killed without stopping the container, and
 * a restore needs a one-off `k3s server --cluster-reset` between two runs: this loop gives kdrill those controls
 * through files under /run/kdrill (`stopped`, `reset`, `exit`; it writes `pid`, `reset.rc`, `reset.log`).
 */
export const SUPERVISOR_SCRIPT = `#!/bin/sh
# The two overrides exist for kdrill's own tests, which run this script against a fake k3s.
S=\${KDRILL_STATE_DIR:-${K3S_PATHS.state}}
K3S=\${KDRILL_K3S_BIN:-/bin/k3s}
mkdir -p "$S"

# k3s does this itself only when it is PID 1: empty the container's cgroup (cgroup v2 forbids processes in a group
# that delegates controllers) so the kubelet can create pod cgroups with every controller.
evacuate_cgroup2() {
  [ -z "$KDRILL_SKIP_CGROUP" ] && [ -f /sys/fs/cgroup/cgroup.controllers ] || return 0
  group=
  while IFS= read -r line; do case "$line" in 0::*) group="\${line#0::}" ;; esac; done < /proc/self/cgroup
  dir="/sys/fs/cgroup\${group%/}"
  mkdir -p "$dir/init" 2>/dev/null || return 0
  while IFS= read -r p; do echo "$p" > "$dir/init/cgroup.procs" 2>/dev/null; done < "$dir/cgroup.procs"
  for c in $(cat "$dir/cgroup.controllers"); do echo "+$c" > "$dir/cgroup.subtree_control" 2>/dev/null; done
  return 0
}

terminate() {
  touch "$S/exit"
  [ -f "$S/pid" ] && kill -TERM "$(cat "$S/pid")" 2>/dev/null
}
trap terminate TERM INT

evacuate_cgroup2
while [ ! -f "$S/exit" ]; do
  if [ -f "$S/stopped" ]; then sleep 1; continue; fi
  if [ -f "$S/reset" ]; then
    "$K3S" "$@" --cluster-reset --cluster-reset-restore-path="$(cat "$S/reset")" > "$S/reset.log" 2>&1
    echo "$?" > "$S/reset.rc"
    rm -f "$S/reset"
    continue
  fi
  "$K3S" "$@" &
  child=$!
  echo "$child" > "$S/pid"
  # wait returns early when a trapped signal arrives: keep waiting until the child is really gone.
  while kill -0 "$child" 2>/dev/null; do wait "$child"; done
  rm -f "$S/pid"
  [ -f "$S/stopped" ] || [ -f "$S/exit" ] || sleep 1
done
`;

// Flags kdrill sets itself, or that would move the data kdrill reads (token, snapshots) or replace embedded etcd.
const RESERVED = ['--token', '--token-file', '--data-dir', '-d', '--cluster-init', '--etcd-snapshot-dir', '--etcd-snapshot-compress', '--datastore-endpoint', '--cluster-reset', '--server', '-s'];

/** The `k3s server` argv (after the binary): embedded etcd (`--cluster-init`), kdrill's token file, metrics, then extras. */
export function k3sServerArgs(extra: readonly string[] = []): string[] {
  for (const arg of extra) {
    const flag = arg.split('=')[0] ?? arg;
    if (RESERVED.includes(flag)) {
      throw new KdrillError('E_SCENARIO_INVALID', `k3s serverArgs may not contain ${flag}: kdrill sets it or relies on its default`, {
        hint: `remove ${flag} from cluster.options.serverArgs`,
      });
    }
  }
  return [
    'server',
    '--disable=traefik',
    '--cluster-init',
    `--token-file=${K3S_PATHS.token}`,
    '--etcd-expose-metrics=true',
    ...extra,
  ];
}

/** The `k3s etcd-snapshot save` argv for a snapshot named `name` (saved as `<name>-<node>-<unix time>`). */
export function snapshotSaveArgs(name: string): string[] {
  return ['k3s', 'etcd-snapshot', 'save', `--name=${name}`];
}

/** The etcd version from etcd's Prometheus metrics (`etcd_server_version{server_version="3.5.21"} 1`). */
export function etcdVersionFromMetrics(metrics: string): string | undefined {
  return /^etcd_server_version\{server_version="([^"]+)"\}/m.exec(metrics)?.[1];
}

/** What kdrill asks the supervisor to do, as `sh -c` argv run inside the container (or, in tests, on this machine). */
export type SupervisorAction = 'stop' | 'start' | 'kill' | 'pid' | 'reset' | 'reset-result';

const STATE = `S=\${KDRILL_STATE_DIR:-${K3S_PATHS.state}}`;
const SIGNAL_CHILD = (signal: string) => `if [ -f "$S/pid" ]; then kill -${signal} "$(cat "$S/pid")" 2>/dev/null; fi; true`;

const ACTIONS: Record<SupervisorAction, string> = {
  // Mark stopped first so the loop does not restart k3s once the signal lands.
  stop: `touch "$S/stopped"; ${SIGNAL_CHILD('TERM')}`,
  start: 'rm -f "$S/stopped"',
  kill: SIGNAL_CHILD('KILL'),
  pid: 'cat "$S/pid" 2>/dev/null; true',
  // $1 is the snapshot path inside the container; the loop runs the reset once k3s has exited.
  reset: `rm -f "$S/reset.rc" "$S/reset.log"; printf '%s' "$1" > "$S/reset"; ${SIGNAL_CHILD('TERM')}`,
  'reset-result': 'if [ -f "$S/reset.rc" ]; then cat "$S/reset.rc"; echo; cat "$S/reset.log" 2>/dev/null; fi; true',
};

/** The argv for one supervisor action; `arg` is the snapshot path for `reset`. */
export function supervisorCommand(action: SupervisorAction, arg?: string): string[] {
  return ['sh', '-c', `${STATE}; ${ACTIONS[action]}`, 'kdrill', ...(arg === undefined ? [] : [arg])];
}

/** Parse `reset-result` output: undefined while the reset runs, else its exit code and log tail. */
export function parseResetResult(stdout: string): { exitCode: number; log: string } | undefined {
  const [first, ...rest] = stdout.split('\n');
  if (!first || first.trim() === '') return undefined;
  return { exitCode: Number(first.trim()), log: lastLines(rest.join('\n'), 20) };
}
