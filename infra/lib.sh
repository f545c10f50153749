#!/usr/bin/env bash
# Shared by infra/{geth,kubo,neo4j}.sh (sourced): waiting for a daemon started in the background
# and stopping it by its pid file. The caller defines `log` and sets PID_FILE and LOG_FILE.

# await_daemon NAME SECONDS CHECK [ON_UP...]: polls CHECK every 0.5 s until it succeeds (then runs
# ON_UP and returns), the daemon exits, or SECONDS pass; the last two print the log's tail,
# stop the daemon and exit 1.
await_daemon() {
  local name="$1" seconds="$2" check="$3"
  shift 3
  for _ in $(seq 1 $((seconds * 2))); do
    if "$check"; then
      "$@"
      return
    fi
    if ! kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
      log "$name exited; log follows"
      tail -50 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      exit 1
    fi
    sleep 0.5
  done
  log "$name did not answer within $seconds s; log follows"
  tail -50 "$LOG_FILE" >&2
  stop_daemon 10
  exit 1
}

# stop_daemon GRACE_SECONDS: TERM, wait up to GRACE_SECONDS, then KILL the pid in PID_FILE.
stop_daemon() {
  local grace="$1" pid
  [ -f "$PID_FILE" ] || return 0
  pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 $((grace * 4))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "stopped (pid $pid)"
  fi
  rm -f "$PID_FILE"
}
