import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Fake `docker` and `kind` CLIs for unit tests: they log every call to $FAKE_STATE/calls and simulate one kind
 * control-plane node (static pods stopped by moving manifests, an etcd container replaced once a manifest is written).
 */
const FAKE_DOCKER = `#!/bin/sh
S="$FAKE_STATE"
printf '%s\\n' "$*" >> "$S/calls"
case "$1" in
  info) echo "Cannot connect to the Docker daemon at unix:///fake.sock. Is the docker daemon running?" >&2; exit 1 ;;
  cp) case "$2" in *:*) printf 'snapshot-bytes' > "$3" ;; esac; exit 0 ;;
  exec) shift ;;
  *) exit 0 ;;
esac
[ "$1" = -i ] && shift
shift
case "$1 $2" in
  "crictl ps")
    name=\${5#io.kubernetes.container.name=}
    if [ -f "$S/stopped-$name" ]; then exit 0; fi
    if [ "$name" = etcd ]; then if [ -f "$S/written" ]; then echo etcd-new; else echo etcd-old; fi; else echo "$name-1"; fi ;;
  "crictl exec")
    case "$4 $5" in
      "etcdutl version") exit "\${FAKE_ETCDUTL_RC:-0}" ;;
      "etcdutl snapshot") exit "\${FAKE_RESTORE_RC:-0}" ;;
    esac ;;
  "sh -c")
    case "$3" in
      *"cat >"*) cat > "$S/written" ;;
      *"cat "*) if [ -f "$S/written" ]; then cat "$S/written"; else cat "$FAKE_MANIFEST"; fi ;;
      *mv*)
        pod=$(basename "$5" .yaml)
        case "$5" in /etc/kubernetes/manifests/*) touch "$S/stopped-$pod" ;; *) rm -f "$S/stopped-$pod" ;; esac ;;
    esac ;;
esac
exit 0
`;

const FAKE_KIND = `#!/bin/sh
printf 'kind %s\\n' "$*" >> "$FAKE_STATE/calls"
case "$1 $2" in
  "get clusters") printf '%s\\n' $FAKE_KIND_CLUSTERS ;;
esac
exit 0
`;

/** Write the fakes into `binDir` and return the env that points them at `stateDir`. */
export async function installFakeCli(binDir: string, stateDir: string, manifestPath: string): Promise<Record<string, string>> {
  await mkdir(binDir, { recursive: true });
  await mkdir(stateDir, { recursive: true });
  for (const [name, text] of [['docker', FAKE_DOCKER], ['kind', FAKE_KIND]] as const) {
    await writeFile(join(binDir, name), text);
    await chmod(join(binDir, name), 0o755);
  }
  return { FAKE_STATE: stateDir, FAKE_MANIFEST: manifestPath };
}
