#!/usr/bin/env bash
# Every CLI subcommand works after `npm ci` alone (issue #16 item 5): run by .ci/run right after
# the install, before anything is compiled or generated. Each command must exit 0 and print JSON
# (or help text); the on-chain auction compiles the contracts itself when they never were.
set -euo pipefail
cd "$(dirname "$0")/../.."

fail=0
check() {
  local expect="$1"
  shift
  local out
  if ! out="$(npx --no-install gridledger "$@" 2>/tmp/gl-cli-check.err)"; then
    echo "[cli-after-install] FAILED: gridledger $*" >&2
    cat /tmp/gl-cli-check.err >&2
    fail=1
    return
  fi
  if [ "$expect" = json ] && ! node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' <<<"$out"; then
    echo "[cli-after-install] FAILED: gridledger $* printed no JSON" >&2
    fail=1
    return
  fi
  echo "[cli-after-install] ok: gridledger $*" >&2
}

check text --help
check text --version
check json powerflow --case ieee33
check json evidence --input examples/evidence.json
check json trust --input examples/trust.json --summary
check json dispatch --input packages/domain/data/networks/six-node-dispatch.json
check json auction clear --input examples/orders.json --offchain
check json auction clear --input examples/orders.json
check text governance --help
exit "$fail"
