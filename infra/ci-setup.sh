#!/usr/bin/env bash
# CI set-up, sourced by .ci/run before `npm ci && npm test` (it may also be run by hand:
# `source infra/ci-setup.sh`). It
#   1. installs Debian's chromium (the frontend browser tests drive /usr/bin/chromium),
#   2. installs and starts a real Neo4j (infra/neo4j.sh), a real Kubo (infra/kubo.sh) and a real
#      Geth dev node (infra/geth.sh), in parallel, waits until all answer, and exports
#      NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD, IPFS_API and GETH_RPC_URL so the adapter suites and
#      the Geth suite (services/test/geth) run against them,
#   3. stops the servers when the calling shell exits (EXIT trap).
# Everything comes from Debian, Maven Central and the Go module proxy; installs are cached under
# ~/.cache/gridledger/infra, ~/.m2 and ~/go, so only the first run on a machine is slow (about 20
# minutes cold, almost all of it building Geth; see docs/decisions/0403-neo4j-kubo-infra.md and
# 0459-any-evm-chain.md).
# A server that fails to install or start is reported loudly and its suites print that they were
# skipped; chromium failing to install is fatal.

_GL_INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

_gl_ci_setup() {
  local here="$_GL_INFRA_DIR" log_dir started
  log_dir="${GRIDLEDGER_INFRA_RUN:-${TMPDIR:-/tmp}/gridledger-infra}/ci"
  mkdir -p "$log_dir"
  started=$SECONDS

  # Servers first, in the background: the Kubo build is the long pole.
  (bash "$here/neo4j.sh" start >"$log_dir/neo4j.env" 2>"$log_dir/neo4j.log") &
  local neo4j_job=$!
  (bash "$here/kubo.sh" start >"$log_dir/kubo.env" 2>"$log_dir/kubo.log") &
  local kubo_job=$!
  (bash "$here/geth.sh" start >"$log_dir/geth.env" 2>"$log_dir/geth.log") &
  local geth_job=$!

  if [ ! -x /usr/bin/chromium ]; then
    echo "[ci-setup] installing chromium from Debian" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
  [ -x /usr/bin/chromium ] || { echo "[ci-setup] /usr/bin/chromium missing after install" >&2; return 1; }

  # Schemathesis for the API fuzzing (npm run fuzz:api), pinned in infra/requirements-fuzz.txt,
  # in a venv cached under the infra home; only PyPI is asked, and only when the pin changed.
  # A failed install is loud but not fatal: the fuzzing then says it was skipped.
  local venv="${GRIDLEDGER_INFRA_HOME:-$HOME/.cache/gridledger/infra}/schemathesis-venv"
  local pins="$here/requirements-fuzz.txt"
  if ! cmp -s "$pins" "$venv/requirements-fuzz.txt" 2>/dev/null; then
    echo "[ci-setup] installing schemathesis ($(grep -v '^#' "$pins")) into $venv" >&2
    if python3 -m venv "$venv" && "$venv/bin/pip" install -q -r "$pins" >&2; then
      cp "$pins" "$venv/requirements-fuzz.txt"
    else
      echo "[ci-setup] WARNING: schemathesis did not install; API fuzzing will be skipped" >&2
    fi
  fi

  if wait "$neo4j_job"; then
    # shellcheck disable=SC1091
    source "$log_dir/neo4j.env"
    echo "[ci-setup] Neo4j ready at $NEO4J_URI" >&2
  else
    echo "[ci-setup] WARNING: Neo4j did not start; its suites will be skipped. Log:" >&2
    tail -30 "$log_dir/neo4j.log" >&2
  fi
  if wait "$kubo_job"; then
    # shellcheck disable=SC1091
    source "$log_dir/kubo.env"
    echo "[ci-setup] Kubo ready at $IPFS_API" >&2
  else
    echo "[ci-setup] WARNING: Kubo did not start; its suites will be skipped. Log:" >&2
    tail -30 "$log_dir/kubo.log" >&2
  fi
  if wait "$geth_job"; then
    # shellcheck disable=SC1091
    source "$log_dir/geth.env"
    echo "[ci-setup] Geth ready at $GETH_RPC_URL" >&2
  else
    echo "[ci-setup] WARNING: Geth did not start; the Geth suite will be skipped. Log:" >&2
    tail -30 "$log_dir/geth.log" >&2
  fi
  echo "[ci-setup] done in $((SECONDS - started)) s" >&2
}

_gl_ci_teardown() {
  local here="$_GL_INFRA_DIR"
  bash "$here/geth.sh" stop || true
  bash "$here/kubo.sh" stop || true
  bash "$here/neo4j.sh" stop || true
}

_gl_ci_setup
trap _gl_ci_teardown EXIT
