#!/bin/bash
# perf profile of a standalone riskflowd under loadgen.
#
#   tools/bench/daemon_perf.sh DIR [EVENTS] [CONFIG] [OUT]
#
# DIR holds riskflowd, loadgen and plugins/ (-c opt). Starts riskflowd
# (with CONFIG if given), records it with `perf record -F 999 -g` while
# `loadgen --target` publishes EVENTS (default 1M) over 200K accounts, and
# prints the daemon's CPU seconds. Unlike a profile of in-process loadgen,
# this leaves out the client and the daemon's shutdown (its last
# checkpoint, flush and compaction), which loadgen does not time. Then:
#   perf report -i OUT --no-children --sort sym
set -u
DIR=$1; EVENTS=${2:-1000000}; CONFIG=${3:-}; OUT=${4:-/tmp/perf.data}
export RISKFLOW_PLUGIN_PATH=$DIR/plugins
w=$(mktemp -d /tmp/daemon-perf-XXXX)
args=(--listen=127.0.0.1:0 --port_file="$w/port" --data_dir="$w/data")
[ -n "$CONFIG" ] && args+=(--config="$CONFIG")
nice -n 19 "$DIR/riskflowd" "${args[@]}" > "$w/log" 2>&1 &
pid=$!
while [ ! -s "$w/port" ]; do sleep 0.01; done
perf record -F 999 -g -p "$pid" -o "$OUT" > /dev/null 2>&1 &
perf_pid=$!
sleep 0.3
nice -n 19 "$DIR/loadgen" --target="127.0.0.1:$(cat "$w/port")" \
  --events="$EVENTS" --accounts=200000 2>&1 | grep acked
kill -INT "$perf_pid"; wait "$perf_pid"
awk '{print "daemon cpu s:", ($14 + $15) / 100}' "/proc/$pid/stat"
kill "$pid"; wait "$pid" 2>/dev/null
rm -rf "$w"
