#!/usr/bin/env bash
# riskflowd startup with a logged backlog, per event-log backend
# (docs/segment-log.md): publish EVENTS events into a real riskflowd with
# --event_log=BACKEND, wait until they are decided, then ROUNDS times
#   * stop it cleanly (SIGTERM) and restart: time until it serves, and
#   * kill -9 it and restart: time until it serves,
# both on the same data directory. "Serves" = wrote its port file (gRPC up,
# publishes accepted; the engine's re-run of any tail continues after).
#
#   EVENTS=1000000 BACKENDS="rocksdb segments" bash tools/bench/log_startup.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

EVENTS=${EVENTS:-1000000}
ROUNDS=${ROUNDS:-3}
BACKENDS=${BACKENDS:-"rocksdb segments"}

bazel build -c opt //tools/riskflowd //tools/riskflow //tools/loadgen \
  //plugins:builtin_plugins >/dev/null 2>&1
BIN=bazel-out/k8-opt/bin
export RISKFLOW_PLUGIN_PATH=$PWD/$BIN/plugins

work=$(mktemp -d /tmp/riskflow-startup-XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

now() { date +%s.%N; }
health() {
  "$BIN/tools/riskflow/riskflow" --target="127.0.0.1:$(cat "$work/port")" \
    health --format json 2>/dev/null |
    /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"
}
start() {  # $1 backend; sets pid, prints seconds until serving
  rm -f "$work/port"
  local t=$(now)
  "$BIN/tools/riskflowd/riskflowd" --listen=127.0.0.1:0 \
    --port_file="$work/port" --data_dir="$work/data-$1" --event_log="$1" \
    >>"$work/riskflowd-$1.log" 2>&1 &
  pid=$!
  while [ ! -s "$work/port" ]; do sleep 0.002; done
  /usr/bin/python3 -c "print(f'{$(now) - $t:.3f}')"
}
settle() {
  while [ "$(health recovering)" = "True" ] ||
        [ "$(health processed_sequence)" != "$(health durable_sequence)" ]; do
    sleep 0.05
  done
}

for b in $BACKENDS; do
  start "$b" >/dev/null
  "$BIN/tools/loadgen/loadgen" --target="127.0.0.1:$(cat "$work/port")" \
    --events="$EVENTS" >"$work/loadgen-$b.txt"
  settle
  echo "$b: $(health durable_sequence) events logged, $(du -sh "$work/data-$b" | cut -f1) data dir"
  for r in $(seq "$ROUNDS"); do
    kill "$pid"; wait "$pid" 2>/dev/null || true
    clean=$(start "$b")
    settle
    kill -9 "$pid"; wait "$pid" 2>/dev/null || true
    killed=$(start "$b")
    settle
    echo "$b round $r: serving after clean stop ${clean} s, after kill -9 ${killed} s"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  grep -E "idempotency|repaired|recover" "$work/riskflowd-$b.log" | tail -3 || true
done
