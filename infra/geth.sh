#!/usr/bin/env bash
# Install, start and stop a real Geth node in dev mode (one block a second, chain id 1337) for
# development and CI: GridLedger on a chain that is not Hardhat.
#
#   infra/geth.sh install          build geth with the Go toolchain from the Go module proxy
#                                  (cached; about 20 minutes cold on 2 cores)
#   infra/geth.sh start [--persist] start `geth --dev` on 127.0.0.1:${GETH_HTTP_PORT:-18545}; waits
#                                  until JSON-RPC answers, prints `export GETH_RPC_URL=...`.
#                                  Without --persist the chain lives in a throwaway folder that
#                                  `start` empties; with it, in $GETH_DATADIR (default
#                                  .gridledger/geth), and survives restarts.
#   infra/geth.sh fund ADDR...     give each address 1,000,000 ETH from the dev account
#                                  (ordinary transfers; how a real chain's faucet would fund)
#   infra/geth.sh stop             stop the node started by `start` (by its pid file)
#   infra/geth.sh status           exit 0 when JSON-RPC answers
#
# The node never touches the public network: --nodiscover, no peers, HTTP on loopback only.
set -euo pipefail

GETH_VERSION="${GETH_VERSION:-v1.17.10}"
INFRA_HOME="${GRIDLEDGER_INFRA_HOME:-$HOME/.cache/gridledger/infra}"
INFRA_RUN="${GRIDLEDGER_INFRA_RUN:-${TMPDIR:-/tmp}/gridledger-infra}"
GETH_HTTP_PORT="${GETH_HTTP_PORT:-18545}"
BIN_DIR="$INFRA_HOME/geth-$GETH_VERSION"
GETH_BIN="$BIN_DIR/geth"
RUN_DIR="$INFRA_RUN/geth"
PID_FILE="$RUN_DIR/geth.pid"
LOG_FILE="$RUN_DIR/geth.log"
RPC_URL="http://127.0.0.1:$GETH_HTTP_PORT"

# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log() { echo "[geth] $*" >&2; }

rpc() {
  curl -sf -m 5 -H 'content-type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$RPC_URL"
}

rpc_up() { rpc eth_chainId '[]' >/dev/null 2>&1; }

install() {
  if [ -x "$GETH_BIN" ]; then
    log "geth $GETH_VERSION already installed at $GETH_BIN"
    return
  fi
  mkdir -p "$BIN_DIR"
  # A geth of the pinned version built earlier with `go install` (the README's way) is reused.
  local gobin
  gobin="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin/geth"
  if [ -x "$gobin" ] && "$gobin" version 2>/dev/null | grep -q "^Version: ${GETH_VERSION#v}-stable"; then
    cp "$gobin" "$GETH_BIN"
    log "reused $gobin ($GETH_VERSION)"
    return
  fi
  command -v go >/dev/null || { log "go is not installed"; exit 1; }
  log "building geth $GETH_VERSION with $(go version | cut -d' ' -f3) (about 20 minutes cold)"
  local started=$SECONDS src
  # As for Kubo: download the exact version and build its cmd/geth with its own go.mod/go.sum.
  src="$(GOFLAGS=-mod=mod go mod download -json "github.com/ethereum/go-ethereum@$GETH_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$src" ] || { log "could not download github.com/ethereum/go-ethereum@$GETH_VERSION"; exit 1; }
  (cd "$src" && GOFLAGS="-buildvcs=false -mod=readonly" GOTOOLCHAIN=local \
    go build -trimpath -o "$GETH_BIN.tmp" ./cmd/geth)
  mv "$GETH_BIN.tmp" "$GETH_BIN"
  log "installed $GETH_BIN in $((SECONDS - started)) s"
}

start() {
  local persist=false
  [ "${1:-}" = "--persist" ] && persist=true
  install
  if rpc_up; then
    log "a node already answers on $RPC_URL"
    echo "export GETH_RPC_URL=$RPC_URL"
    return
  fi
  local datadir
  if $persist; then
    datadir="${GETH_DATADIR:-.gridledger/geth}"
  else
    datadir="$RUN_DIR/data"
    rm -rf "$datadir"
  fi
  mkdir -p "$RUN_DIR" "$datadir"
  # --dev.period 1: a block every second, so waiting for a gate or a delivery end needs no
  # transactions; the txpool limits are raised so a busy market's batch is not dropped.
  nohup setsid "$GETH_BIN" --dev --dev.period 1 --dev.gaslimit 60000000 \
    --datadir "$datadir" --nodiscover --maxpeers 0 --ipcdisable \
    --http --http.addr 127.0.0.1 --http.port "$GETH_HTTP_PORT" --http.api eth,net,web3,txpool \
    --http.vhosts localhost,127.0.0.1 \
    --txpool.accountslots 2048 --txpool.accountqueue 2048 --txpool.globalslots 20000 \
    --txpool.globalqueue 20000 --rpc.txfeecap 0 --verbosity 2 >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  GETH_DATA_IN_USE="$datadir"
  await_daemon geth 60 rpc_up geth_up
}

geth_up() {
  log "geth $GETH_VERSION --dev up on $RPC_URL (pid $(cat "$PID_FILE"), data in $GETH_DATA_IN_USE)"
  echo "export GETH_RPC_URL=$RPC_URL"
}

fund() {
  rpc_up || { log "no node on $RPC_URL"; exit 1; }
  local dev
  dev="$(rpc eth_accounts '[]' | sed -n 's/.*"result":\["\(0x[0-9a-fA-F]*\)".*/\1/p')"
  [ -n "$dev" ] || { log "the node has no unlocked dev account"; exit 1; }
  for to in "$@"; do
    # 1,000,000 ETH = 0xd3c21bcecceda1000000 wei
    rpc eth_sendTransaction "[{\"from\":\"$dev\",\"to\":\"$to\",\"value\":\"0xd3c21bcecceda1000000\"}]" >/dev/null ||
      { log "funding $to failed"; exit 1; }
  done
  sleep 2 # dev.period 1: the transfers are in the next block
  log "funded $# account(s) from $dev"
}

stop() { stop_daemon 10; }

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  fund) shift; fund "$@" ;;
  stop) stop ;;
  status) rpc_up ;;
  *) echo "usage: $0 install|start [--persist]|fund ADDR...|stop|status" >&2; exit 2 ;;
esac
