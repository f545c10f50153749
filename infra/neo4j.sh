#!/usr/bin/env bash
# Install, start and stop a real Neo4j 5.26 server for development and CI.
#
#   infra/neo4j.sh install   build the launcher in infra/neo4j/ with Maven (neo4j-harness from
#                            Maven Central; cached in ~/.m2 and $GRIDLEDGER_INFRA_HOME)
#   infra/neo4j.sh start     start it; waits until Bolt answers, prints the NEO4J_* exports
#   infra/neo4j.sh stop      stop it (SIGTERM: the database shuts down cleanly)
#   infra/neo4j.sh status    exit 0 when Bolt answers
#
# Bolt listens on 127.0.0.1:${NEO4J_BOLT_PORT:-17687}, HTTP on 127.0.0.1:${NEO4J_HTTP_PORT:-17474},
# authentication is disabled (loopback only, test data only). Each start gets an empty database
# under $GRIDLEDGER_INFRA_RUN.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
INFRA_HOME="${GRIDLEDGER_INFRA_HOME:-$HOME/.cache/gridledger/infra}"
INFRA_RUN="${GRIDLEDGER_INFRA_RUN:-${TMPDIR:-/tmp}/gridledger-infra}"
BOLT_PORT="${NEO4J_BOLT_PORT:-17687}"
HTTP_PORT="${NEO4J_HTTP_PORT:-17474}"
NEO4J_HEAP="${NEO4J_HEAP:-1g}"
BUILD_DIR="$INFRA_HOME/neo4j-launcher"
RUN_DIR="$INFRA_RUN/neo4j"
PID_FILE="$RUN_DIR/neo4j.pid"
LOG_FILE="$RUN_DIR/neo4j.log"

# shellcheck source=infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log() { echo "[neo4j] $*" >&2; }

bolt_up() { (exec 3<>"/dev/tcp/127.0.0.1/$BOLT_PORT") 2>/dev/null && grep -q READY "$LOG_FILE" 2>/dev/null; }

exports() {
  echo "export NEO4J_URI=bolt://127.0.0.1:$BOLT_PORT"
  echo "export NEO4J_USER=neo4j"
  echo "export NEO4J_PASSWORD=unused-auth-disabled"
}

install() {
  # Rebuild when the launcher sources changed since the cached build.
  local stamp
  stamp="$(cat "$HERE/neo4j/pom.xml" "$HERE/neo4j/src/main/java/org/gridledger/infra/Neo4jLauncher.java" | sha256sum | cut -c1-16)"
  if [ -f "$BUILD_DIR/.stamp" ] && [ "$(cat "$BUILD_DIR/.stamp")" = "$stamp" ]; then
    log "launcher already built in $BUILD_DIR"
    return
  fi
  command -v mvn >/dev/null || { log "maven is not installed"; exit 1; }
  command -v java >/dev/null || { log "java is not installed"; exit 1; }
  log "building the launcher with Maven (downloads neo4j-harness cold)"
  local started=$SECONDS
  rm -rf "$BUILD_DIR"
  mkdir -p "$BUILD_DIR"
  cp -r "$HERE/neo4j/pom.xml" "$HERE/neo4j/src" "$BUILD_DIR/"
  # stdout carries the NEO4J_* exports that ci-setup.sh sources: Maven's output (even with -q it
  # writes colour reset codes) goes to stderr.
  (cd "$BUILD_DIR" && mvn -q -B -ntp -Dstyle.color=never package -DskipTests) >&2
  echo "$stamp" >"$BUILD_DIR/.stamp"
  log "built in $((SECONDS - started)) s"
}

start() {
  install
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null && bolt_up; then
    log "already running (pid $(cat "$PID_FILE"))"
    exports
    return
  fi
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  nohup setsid java "-Xmx$NEO4J_HEAP" -XX:+UseG1GC \
    -cp "$BUILD_DIR/target/classes:$BUILD_DIR/target/lib/*" \
    org.gridledger.infra.Neo4jLauncher "$RUN_DIR/db" "$BOLT_PORT" "$HTTP_PORT" \
    >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  await_daemon launcher 120 bolt_up neo4j_up
}

neo4j_up() {
  log "up on bolt://127.0.0.1:$BOLT_PORT (pid $(cat "$PID_FILE"))"
  exports
}

stop() { stop_daemon 30; }

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) bolt_up ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
