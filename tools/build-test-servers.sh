#!/usr/bin/env bash
# Builds the Go servers that kdrill's integration tests run (local-kms for aws-kms, versitygw for the S3 store)
# into ${KDRILL_TEST_BIN:-$HOME/.cache/kdrill/test-bin}. Idempotent: a binary already there is kept.
# Needs Go and the Go module proxy. Usage: bash tools/build-test-servers.sh [--force]
set -euo pipefail

BIN_DIR="${KDRILL_TEST_BIN:-$HOME/.cache/kdrill/test-bin}"
LOCAL_KMS_VERSION="v0.0.0-20260228092603-2a5e92d09ab6"
VERSITYGW_VERSION="v1.7.0"
FORCE="${1:-}"

command -v go >/dev/null || { echo "build-test-servers: go not found on PATH (install Go 1.22+)" >&2; exit 2; }
mkdir -p "$BIN_DIR"

# build NAME MODULE@VERSION [FALLBACK_MODULE@VERSION]
build() {
  local name="$1" primary="$2" fallback="${3:-}"
  if [[ -x "$BIN_DIR/$name" && "$FORCE" != "--force" ]]; then
    echo "build-test-servers: $name already in $BIN_DIR (use --force to rebuild)"
    return 0
  fi
  local start=$SECONDS
  echo "build-test-servers: go install $primary"
  if ! GOBIN="$BIN_DIR" CGO_ENABLED=0 go install "$primary"; then
    [[ -n "$fallback" ]] || { echo "build-test-servers: building $name failed" >&2; return 1; }
    echo "build-test-servers: $primary refused; trying $fallback" >&2
    GOBIN="$BIN_DIR" CGO_ENABLED=0 go install "$fallback"
  fi
  echo "build-test-servers: $name built in $((SECONDS - start))s"
}

newest_versitygw() {
  go list -m -versions github.com/versity/versitygw 2>/dev/null | tr ' ' '\n' | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' | sort -V | tail -1
}

build local-kms "github.com/nsmithuk/local-kms@$LOCAL_KMS_VERSION" "github.com/nsmithuk/local-kms@latest"
if ! build versitygw "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"; then
  newest="$(newest_versitygw)"
  [[ -n "$newest" ]] || { echo "build-test-servers: no versitygw version served by the module proxy" >&2; exit 1; }
  build versitygw "github.com/versity/versitygw/cmd/versitygw@$newest"
fi

# Prometheus tools for the metrics tests (pushgateway, promtool): warnings only, their tests skip without them.
bash "$(dirname "$0")/build-metrics-tools.sh" "$FORCE"

# Velero and its AWS plugin for the velero strategy's tests and drills/velero.yaml: warnings only, they skip without.
bash "$(dirname "$0")/build-velero.sh" "$FORCE"
