#!/usr/bin/env bash
# Install Prometheus's promtool and check the alert rules with it, for development and CI.
#
#   infra/promtool.sh install   build promtool with the Go toolchain from the Go module proxy
#                               (cached under ~/.cache/gridledger/infra like Geth and Kubo)
#   infra/promtool.sh check     install if needed, then `promtool check rules` on
#                               monitoring/alerts.rules.yml and `promtool test rules` on
#                               monitoring/alerts.test.yml. When promtool cannot be installed
#                               (no Go, no proxy) it says SKIPPED on stderr and exits 0;
#                               PROMTOOL_REQUIRED=true makes that an error instead.
#   infra/promtool.sh path      print the cached binary's path (exit 1 when not installed)
set -euo pipefail

PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.316.0}"
INFRA_HOME="${GRIDLEDGER_INFRA_HOME:-$HOME/.cache/gridledger/infra}"
BIN_DIR="$INFRA_HOME/promtool-$PROMETHEUS_VERSION"
PROMTOOL_BIN="$BIN_DIR/promtool"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { echo "[promtool] $*" >&2; }

install() {
  if [ -x "$PROMTOOL_BIN" ]; then
    log "promtool $PROMETHEUS_VERSION already installed at $PROMTOOL_BIN"
    return
  fi
  command -v go >/dev/null || { log "go is not installed"; return 1; }
  mkdir -p "$BIN_DIR"
  local started=$SECONDS
  log "building promtool $PROMETHEUS_VERSION with $(go version | cut -d' ' -f3)"
  # `go install pkg@version` builds with the module's own go.mod/go.sum, outside any workspace.
  if ! GOWORK=off GOBIN="$BIN_DIR" GOFLAGS=-buildvcs=false GOTOOLCHAIN=local \
    go install "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"; then
    log "go install failed"
    return 1
  fi
  log "installed $PROMTOOL_BIN in $((SECONDS - started)) s"
}

check() {
  if ! install; then
    if [ "${PROMTOOL_REQUIRED:-false}" = "true" ]; then
      log "promtool could not be installed and PROMTOOL_REQUIRED=true"
      exit 1
    fi
    log "SKIPPED: promtool could not be installed; monitoring/alerts.rules.yml was not checked"
    return 0
  fi
  "$PROMTOOL_BIN" check rules "$REPO/monitoring/alerts.rules.yml"
  (cd "$REPO/monitoring" && "$PROMTOOL_BIN" test rules alerts.test.yml)
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  path) [ -x "$PROMTOOL_BIN" ] && echo "$PROMTOOL_BIN" ;;
  *)
    echo "usage: infra/promtool.sh install|check|path" >&2
    exit 2
    ;;
esac
