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
# RISKFLOWD=PATH times another riskflowd build (a before/after comparison
# alternating binaries on one kept WORK directory).
RISKFLOWD=${RISKFLOWD:-$BIN/tools/riskflowd/riskflowd}

# WORK=DIR reuses a kept work directory (KEEP=1): backlogs already
# published there are not published again.
work=${WORK:-$(mktemp -d /tmp/riskflow-startup-XXXXXX)}
mkdir -p "$work"
trap 'kill -9 $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

now() { date +%s.%N; }
health() {
  "$BIN/tools/riskflow/riskflow" --target="127.0.0.1:$(cat "$work/port")" \
    health --format json 2>/dev/null |
    /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"
}
start() {  # $1 backend; sets pid and took (seconds until serving)
  rm -f "$work/port"
  local t=$(now)
  "$RISKFLOWD" --listen=127.0.0.1:0 \
    --port_file="$work/port" --data_dir="$work/data-$1" --event_log="$1" \
    >>"$work/riskflowd-$1.log" 2>&1 &
  pid=$!
  while [ ! -s "$work/port" ]; do sleep 0.002; done
  took=$(/usr/bin/python3 -c "print(f'{$(now) - $t:.3f}')")
}
settle() {
  while [ "$(health recovering)" = "True" ] ||
        [ "$(health processed_sequence)" != "$(health durable_sequence)" ]; do
    sleep 0.05
  done
}

for b in $BACKENDS; do
  fresh=1; [ -d "$work/data-$b" ] && fresh=0
  start "$b"
  if [ "$fresh" = 1 ]; then
    "$BIN/tools/loadgen/loadgen" --target="127.0.0.1:$(cat "$work/port")" \
      --events="$EVENTS" >"$work/loadgen-$b.txt"
  fi
  settle
  echo "$b: $(health durable_sequence) events logged, $(du -sh "$work/data-$b" | cut -f1) data dir"
  for r in $(seq "$ROUNDS"); do
    kill "$pid"; wait "$pid" 2>/dev/null || true
    start "$b"; clean=$took
    settle
    kill -9 "$pid"; wait "$pid" 2>/dev/null || true
    start "$b"; killed=$took
    settle
    echo "$b round $r: serving after clean stop ${clean} s, after kill -9 ${killed} s"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  grep -E "idempotency|repaired|recover" "$work/riskflowd-$b.log" | tail -3 || true
done
