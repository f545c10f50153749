#!/usr/bin/env bash
# Install, start and stop a real Kubo (go-ipfs) daemon for development and CI.
#
#   infra/kubo.sh install   build ipfs with `go install` from the Go module proxy (cached)
#   infra/kubo.sh start     init a test repo (profile "test", offline) and start the daemon;
#                           waits until the RPC API answers, prints `export IPFS_API=...`
#   infra/kubo.sh stop      stop the daemon started by `start` (by its pid file)
#   infra/kubo.sh status    exit 0 when the API answers
#
# The daemon never touches the public network: it runs with --offline (no swarm, no DHT, no
# bootstrap), the repo uses the "test" profile, the gateway is disabled and the RPC API listens on
# 127.0.0.1:${KUBO_API_PORT:-15001} only. Its repo lives under $GRIDLEDGER_INFRA_RUN and is thrown
# away by `start` (every start is a clean, empty node).
set -euo pipefail

KUBO_VERSION="${KUBO_VERSION:-v0.40.1}"
INFRA_HOME="${GRIDLEDGER_INFRA_HOME:-$HOME/.cache/gridledger/infra}"
INFRA_RUN="${GRIDLEDGER_INFRA_RUN:-${TMPDIR:-/tmp}/gridledger-infra}"
KUBO_API_PORT="${KUBO_API_PORT:-15001}"
BIN_DIR="$INFRA_HOME/kubo-$KUBO_VERSION"
IPFS_BIN="$BIN_DIR/ipfs"
export IPFS_PATH="$INFRA_RUN/kubo/repo"
PID_FILE="$INFRA_RUN/kubo/daemon.pid"
LOG_FILE="$INFRA_RUN/kubo/daemon.log"
API_URL="http://127.0.0.1:$KUBO_API_PORT"

# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log() { echo "[kubo] $*" >&2; }

api_up() { curl -sf -m 2 -X POST "$API_URL/api/v0/id" >/dev/null 2>&1; }

install() {
  if [ -x "$IPFS_BIN" ]; then
    log "ipfs $KUBO_VERSION already installed at $IPFS_BIN"
    return
  fi
  command -v go >/dev/null || { log "go is not installed"; exit 1; }
  log "building ipfs $KUBO_VERSION with $(go version | cut -d' ' -f3) (go install; a few minutes cold)"
  mkdir -p "$BIN_DIR"
  local started=$SECONDS
  # `go install module@version` would also read the proxy's version list (to look for a
  # deprecation notice), which some proxies refuse; downloading the exact version and building its
  # cmd/ipfs with Kubo's own go.mod/go.sum is the same build without that request.
  local src
  src="$(GOFLAGS=-mod=mod go mod download -json "github.com/ipfs/kubo@$KUBO_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || { log "could not download github.com/ipfs/kubo@$KUBO_VERSION"; exit 1; }
  (cd "$src" && GOFLAGS="-buildvcs=false -mod=readonly" GOTOOLCHAIN=local \
    go build -trimpath -o "$IPFS_BIN.tmp" ./cmd/ipfs)
  mv "$IPFS_BIN.tmp" "$IPFS_BIN"
  log "installed $IPFS_BIN in $((SECONDS - started)) s"
}

start() {
  install
  if api_up; then
    log "an API already answers on $API_URL"
    echo "export IPFS_API=$API_URL"
    return
  fi
  rm -rf "$INFRA_RUN/kubo"
  mkdir -p "$INFRA_RUN/kubo"
  "$IPFS_BIN" init --profile test >/dev/null
  "$IPFS_BIN" config Addresses.API "/ip4/127.0.0.1/tcp/$KUBO_API_PORT"
  "$IPFS_BIN" config --json Addresses.Gateway '[]'
  "$IPFS_BIN" config --json Addresses.Swarm '[]'
  "$IPFS_BIN" config --json Bootstrap '[]'
  "$IPFS_BIN" config --json Discovery.MDNS.Enabled false
  "$IPFS_BIN" config Routing.Type none
  # Detach from the caller's process group so the caller's Ctrl-C does not hit it; `stop` ends it.
  nohup setsid "$IPFS_BIN" daemon --offline >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  await_daemon daemon 60 api_up kubo_up
}

kubo_up() {
  log "daemon up on $API_URL (pid $(cat "$PID_FILE"))"
  echo "export IPFS_API=$API_URL"
}

stop() { stop_daemon 10; }

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) api_up ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
