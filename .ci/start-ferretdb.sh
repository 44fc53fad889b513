#!/usr/bin/env bash
# Start a throw-away FerretDB (SQLite backend) on a free loopback port.
#
# Last stdout line: MONGODB_URL=mongodb://127.0.0.1:<port>/
# The server keeps running in the background. Data, state and logs live in a fresh
# temp dir (printed on stderr; also FERRETDB_DIR below).
#
# Env:
#   FERRETDB_BIN      binary to run (default: built/cached via .ci/install-ferretdb.sh)
#   FERRETDB_PIDFILE  if set, the server pid is written to this file
#   FERRETDB_DIR      if set, use this (created if missing) instead of a new temp dir
#   FERRETDB_START_TIMEOUT  seconds to wait for the port to accept connections (default 30)
#
# Stop it with: kill "$(cat "$FERRETDB_PIDFILE")"
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { echo "start-ferretdb: $*" >&2; }

bin="${FERRETDB_BIN:-}"
if [[ -z "$bin" ]]; then
  bin="$("$here/install-ferretdb.sh" | tail -n1)"
fi
[[ -x "$bin" ]] || { log "error: FerretDB binary not executable: $bin"; exit 1; }

dir="${FERRETDB_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ferretdb.XXXXXX")}"
mkdir -p "$dir/data" "$dir/state"
logfile="$dir/ferretdb.log"
timeout_s="${FERRETDB_START_TIMEOUT:-30}"

free_port() {
  local p=""
  if command -v python3 >/dev/null 2>&1; then
    p="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || true)"
  fi
  if [[ -z "$p" ]] && command -v node >/dev/null 2>&1; then
    p="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' 2>/dev/null || true)"
  fi
  if [[ -z "$p" ]]; then
    # bash fallback: random high port that nothing answers on
    for _ in $(seq 1 50); do
      p=$((20000 + RANDOM % 40000))
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then break; fi
      p=""
    done
  fi
  [[ -n "$p" ]] || { log "error: could not find a free port"; return 1; }
  echo "$p"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid=""
port=""
for attempt in 1 2 3; do
  port="$(free_port)"
  log "starting $bin on 127.0.0.1:$port (dir: $dir, attempt $attempt)"
  # setsid (when available) detaches the server from this script's process group/session.
  launcher=()
  command -v setsid >/dev/null 2>&1 && launcher=(setsid)
  "${launcher[@]}" "$bin" \
    --handler=sqlite \
    --sqlite-url="file:$dir/data/" \
    --state-dir="$dir/state" \
    --listen-addr="127.0.0.1:$port" \
    --listen-unix="" \
    --listen-tls="" \
    --debug-addr=- \
    --telemetry=disable \
    --log-level=info \
    --log-format=console \
    </dev/null >>"$logfile" 2>&1 &
  pid=$!

  deadline=$((SECONDS + timeout_s))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    if port_open "$port"; then
      if [[ -n "${FERRETDB_PIDFILE:-}" ]]; then
        echo "$pid" >"$FERRETDB_PIDFILE"
      fi
      log "ready: pid $pid, log $logfile"
      echo "FERRETDB_PID=$pid" >&2
      echo "FERRETDB_DIR=$dir" >&2
      echo "MONGODB_URL=mongodb://127.0.0.1:$port/"
      exit 0
    fi
    sleep 0.2
  done

  if kill -0 "$pid" 2>/dev/null; then
    log "error: not accepting connections on 127.0.0.1:$port after ${timeout_s}s; log tail:"
    tail -n 40 "$logfile" >&2 || true
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  log "server exited early (port race?); log tail:"
  tail -n 20 "$logfile" >&2 || true
done

log "error: could not start FerretDB"
exit 1
