#!/usr/bin/env bash
# Builds Velero and its AWS (S3) plugin from the Go module proxy into ${KDRILL_VELERO_DIR:-$KDRILL_TEST_BIN/velero}
# (default ~/.cache/kdrill/test-bin/velero): velero, plugins/velero-plugin-for-aws. The velero strategy, the
# velero-* scenarios (drills/velero.yaml) and test/strategies/velero.test.ts use them; they skip without them.
# Idempotent: binaries already there are kept (--force rebuilds). A failed build warns and exits 0, so a machine
# where the module proxy refuses a module still runs everything else. About 10 minutes on 2 cores the first time.
# Usage: bash tools/build-velero.sh [--force]
set -uo pipefail

VELERO_VERSION="v1.18.3"
PLUGIN_VERSION="v1.14.3"
# Velero pins k8s.io/cli-runtime v0.33.12, whose zip the module proxy refuses; v0.33.10 builds the same CLI.
CLI_RUNTIME="v0.33.10"
DIR="${KDRILL_VELERO_DIR:-${KDRILL_TEST_BIN:-$HOME/.cache/kdrill/test-bin}/velero}"
FORCE="${1:-}"

command -v go >/dev/null || { echo "build-velero: go not found on PATH: Velero tests will skip" >&2; exit 0; }
mkdir -p "$DIR/plugins"

warn() { echo "build-velero: $*; the Velero scenarios and tests will skip" >&2; exit 0; }

if [[ -x "$DIR/velero" && "$FORCE" != "--force" ]]; then
  echo "build-velero: velero already in $DIR (use --force to rebuild)"
else
  start=$SECONDS
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # A throw-away wrapper module: Velero's go.mod has a replace (its kopia fork) that `go install pkg@version` refuses.
  (
    set -e
    cd "$work"
    go mod init kdrill.dev/velero-build >/dev/null 2>&1
    go mod edit -require "github.com/vmware-tanzu/velero@$VELERO_VERSION"
    mod="$(go mod download -json "github.com/vmware-tanzu/velero@$VELERO_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    # `replace OLD => NEW VERSION` becomes -replace OLD=NEW@VERSION (a versioned module path, not a local folder).
    for r in $(awk '/^replace / && $3 == "=>" { print $2 "=" $4 (NF >= 5 ? "@" $5 : "") }' "$mod"); do go mod edit -replace "$r"; done
    go mod edit -replace "k8s.io/cli-runtime=k8s.io/cli-runtime@$CLI_RUNTIME"
    go get "github.com/vmware-tanzu/velero/cmd/velero@$VELERO_VERSION"
    CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/vmware-tanzu/velero/pkg/buildinfo.Version=$VELERO_VERSION" -o "$DIR/velero" github.com/vmware-tanzu/velero/cmd/velero
  ) || warn "building velero $VELERO_VERSION failed"
  echo "build-velero: velero $VELERO_VERSION built in $((SECONDS - start))s"
fi

if [[ -x "$DIR/plugins/velero-plugin-for-aws" && "$FORCE" != "--force" ]]; then
  echo "build-velero: velero-plugin-for-aws already in $DIR/plugins"
else
  start=$SECONDS
  GOBIN="$DIR/plugins" CGO_ENABLED=0 go install "github.com/vmware-tanzu/velero-plugin-for-aws/velero-plugin-for-aws@$PLUGIN_VERSION" \
    || warn "building velero-plugin-for-aws $PLUGIN_VERSION failed"
  echo "build-velero: velero-plugin-for-aws $PLUGIN_VERSION built in $((SECONDS - start))s"
fi
