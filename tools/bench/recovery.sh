#!/usr/bin/env bash
# Recovery after kill -9 (issue 9): publish EVENTS events into a real
# riskflowd (checkpoint every CHECKPOINT), kill -9 it the moment everything
# is decided, restart it and measure
#   * time from the restart until it accepts publishes again (serving), and
#   * time until the re-run of the log after the checkpoints is done
#     (Health.recovering false), against the time live processing took for
#     the same number of events (the tail).
#
#   EVENTS=10000000 CHECKPOINT=30s bash tools/bench/recovery.sh
#
# RISKFLOWD=/path/to/riskflowd runs another build of the daemon (e.g. a
# copy of main's, for before/after figures); PERF=1 records `perf record -g`
# of the restarted daemon's catch-up into $work/perf.data (with KEEP=1).
#
# Prints one line per figure; docs/benchmarks.md has the results.
set -euo pipefail
cd "$(dirname "$0")/../.."

EVENTS=${EVENTS:-2000000}
CHECKPOINT=${CHECKPOINT:-30s}
ACCOUNTS=${ACCOUNTS:-200000}

bazel build -c opt //tools/riskflowd //tools/riskflow //tools/loadgen \
  //plugins:builtin_plugins >/dev/null 2>&1
BIN=bazel-out/k8-opt/bin
export RISKFLOW_PLUGIN_PATH=$PWD/$BIN/plugins

work=$(mktemp -d /tmp/riskflow-recovery-XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

now() { date +%s.%N; }
health() {  # field of Admin.GetHealth as JSON (0 when absent)
  "$BIN/tools/riskflow/riskflow" --target="127.0.0.1:$(cat "$work/port")" \
    health --format json 2>/dev/null |
    /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin).get('$1', 0))"
}
start() {
  rm -f "$work/port"
  "${RISKFLOWD:-$BIN/tools/riskflowd/riskflowd}" --listen=127.0.0.1:0 \
    --port_file="$work/port" --data_dir="$work/data" \
    --checkpoint_interval="$CHECKPOINT" --checkpoint_events=0 \
    >>"$work/riskflowd.log" 2>&1 &
  pid=$!
  while [ ! -s "$work/port" ]; do sleep 0.005; done
}

start
t0=$(now)
"$BIN/tools/loadgen/loadgen" --target="127.0.0.1:$(cat "$work/port")" \
  --events="$EVENTS" --accounts="$ACCOUNTS" >"$work/loadgen.txt"
while [ "$(health processed_sequence)" != "$(health durable_sequence)" ]; do
  sleep 0.05
done
t_live=$(now)
durable=$(health durable_sequence)
checkpointed=$(health checkpointed_sequence)
kill -9 "$pid"
wait "$pid" 2>/dev/null || true

t_restart=$(now)
start
if [ -n "${PERF:-}" ]; then
  perf record -g -p "$pid" -o "$work/perf.data" >/dev/null 2>&1 &
  perf_pid=$!
fi
t_serving=$(now)
while [ "$(health recovering)" = "True" ]; do
  # TRACE=1: the shards' progress and checkpoints during the catch-up.
  [ -z "${TRACE:-}" ] || echo "trace $(now) processed $(health \
    processed_sequence) checkpointed $(health checkpointed_sequence)"
  sleep 0.01
done
t_done=$(now)
# The end checkpoint (every shard's state written through the tail).
while [ "$(health checkpointed_sequence)" -lt "$durable" ]; do sleep 0.01; done
t_ckpt=$(now)
# CPU the restarted daemon used so far (start-up, catch-up, end checkpoint):
# the figure the other processes on a shared machine do not inflate.
cpu_ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
if [ -n "${PERF:-}" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
kill "$pid"; echo "work dir $work"
wait "$pid" 2>/dev/null || true

/usr/bin/python3 - "$EVENTS" "$durable" "$checkpointed" "$t0" "$t_live" \
  "$t_restart" "$t_serving" "$t_done" "$t_ckpt" "$cpu_ticks" \
  "$(getconf CLK_TCK)" "$work/riskflowd.log" <<'PY'
import datetime, sys
events, durable, ckpt = (int(x) for x in sys.argv[1:4])
t0, t_live, t_restart, t_serving, t_done, t_ckpt = (
    float(x) for x in sys.argv[4:10])
cpu = int(sys.argv[10]) / int(sys.argv[11])
# The daemon's own log lines time the catch-up without the polling delay.
stamps = {}
for line in open(sys.argv[12]):
  for key in ("recovery caught up", "recovery done"):
    if key in line:
      t = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
      stamps[key] = t.replace(tzinfo=datetime.timezone.utc).timestamp()
live = t_live - t0
rate = durable / live
tail = durable - ckpt
tail_live = tail / rate
catch_up = t_done - t_restart
print(f"live: {durable} events decided in {live:.1f} s ({rate:,.0f} ev/s)")
print(f"checkpointed through {ckpt}: tail of {tail} events "
      f"({tail_live:.1f} s of live processing)")
print(f"restart -> accepting publishes: {t_serving - t_restart:.2f} s")
print(f"restart -> tail re-run done: {catch_up:.2f} s "
      f"= {catch_up / tail_live if tail_live > 0 else 0:.2f}x the live time "
      f"of the tail")
print(f"restart -> end checkpoint written: {t_ckpt - t_restart:.2f} s "
      f"= {(t_ckpt - t_restart) / tail_live if tail_live > 0 else 0:.2f}x")
for key in ("recovery caught up", "recovery done"):
  if key in stamps:
    d = stamps[key] - t_restart
    print(f"restart -> '{key}' (daemon log): {d:.2f} s = "
          f"{d / tail_live if tail_live > 0 else 0:.2f}x")
print(f"daemon CPU from restart to the end checkpoint: {cpu:.2f} s")
PY
grep -E "recover" "$work/riskflowd.log" | tail -4
