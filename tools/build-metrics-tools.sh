#!/usr/bin/env bash
# Puts the Prometheus tools kdrill's metrics tests use into ${KDRILL_TEST_BIN:-$HOME/.cache/kdrill/test-bin}:
#   pushgateway  built from the pinned module in tools/pushgateway (Go module proxy, about 20 s cold);
#   promtool     from Debian's `prometheus` package, unpacked with dpkg-deb (the service is not installed).
# Idempotent; called by tools/build-test-servers.sh. A tool that cannot be had only warns: its tests skip with a reason.
# Usage: bash tools/build-metrics-tools.sh [--force]
set -euo pipefail

BIN_DIR="${KDRILL_TEST_BIN:-$HOME/.cache/kdrill/test-bin}"
TOOLS_DIR="$(cd "$(dirname "$0")" && pwd)"
PUSHGATEWAY_VERSION="1.11.1" # must match tools/pushgateway/go.mod
FORCE="${1:-}"
mkdir -p "$BIN_DIR"

have() { [[ -x "$BIN_DIR/$1" && "$FORCE" != "--force" ]] && echo "build-metrics-tools: $1 already in $BIN_DIR (use --force to rebuild)"; }

build_pushgateway() {
  have pushgateway && return 0
  local start=$SECONDS
  echo "build-metrics-tools: go build github.com/prometheus/pushgateway (v$PUSHGATEWAY_VERSION, tools/pushgateway)"
  if (cd "$TOOLS_DIR/pushgateway" && CGO_ENABLED=0 go build -trimpath \
      -ldflags "-X github.com/prometheus/common/version.Version=$PUSHGATEWAY_VERSION" \
      -o "$BIN_DIR/pushgateway" github.com/prometheus/pushgateway); then
    echo "build-metrics-tools: pushgateway built in $((SECONDS - start))s"
  else
    echo "build-metrics-tools: WARNING pushgateway did not build; the Pushgateway test will skip" >&2
  fi
}

fetch_promtool() {
  have promtool && return 0
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    echo "build-metrics-tools: WARNING no apt-get/dpkg-deb; the alert-rule tests will skip (or put promtool in $BIN_DIR)" >&2
    return 0
  fi
  local tmp
  tmp="$(mktemp -d)"
  # apt-get download wants a folder its _apt user may write to, or it warns and downloads unsandboxed.
  chmod 777 "$tmp"
  if (cd "$tmp" && apt-get download -q prometheus >/dev/null) && dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/root" \
      && install -m 755 "$tmp/root/usr/bin/promtool" "$BIN_DIR/promtool"; then
    echo "build-metrics-tools: $("$BIN_DIR/promtool" --version 2>&1 | head -1) (Debian package prometheus)"
  else
    echo "build-metrics-tools: WARNING could not fetch Debian's prometheus package (apt-get update?); the alert-rule tests will skip" >&2
  fi
  rm -rf "$tmp"
}

build_pushgateway
fetch_promtool
