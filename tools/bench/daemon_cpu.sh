#!/bin/bash
# Daemon CPU per run of the all-detectors pipeline, alternating builds.
#
#   tools/bench/daemon_cpu.sh ROUNDS DIR1 DIR2 ...
#
# Each DIR holds riskflowd, loadgen and plugins/ (a -c opt build copied
# out of bazel-out). Per round and DIR: a fresh standalone riskflowd with
# pipeline/config/all_detectors.yaml, `loadgen --target` publishing 1M
# events over 200K accounts, then the daemon's user + system CPU seconds
# from /proc. The client runs in its own process, so its CPU is not
# counted (in-process loadgen's "cpu us/ev" includes it). Run from the
# repository root; every process at nice 19 (the machine is shared).
set -u
ROUNDS=$1; shift
for r in $(seq 1 "$ROUNDS"); do
  for D in "$@"; do
    export RISKFLOW_PLUGIN_PATH=$D/plugins
    w=$(mktemp -d /tmp/daemon-cpu-XXXX)
    nice -n 19 "$D/riskflowd" --listen=127.0.0.1:0 --port_file="$w/port" \
      --data_dir="$w/data" --config=pipeline/config/all_detectors.yaml \
      > "$w/log" 2>&1 &
    pid=$!
    while [ ! -s "$w/port" ]; do sleep 0.05; done
    out=$(nice -n 19 "$D/loadgen" --target="127.0.0.1:$(cat "$w/port")" \
      --events=1000000 --accounts=200000 2>&1 | grep acked)
    sleep 1  # the last micro-batches are decided after their acks
    cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$pid/stat")
    echo "$D round $r load $(cut -d' ' -f1 /proc/loadavg)" \
      "daemon_cpu_s $cpu :: $out"
    kill "$pid"; wait "$pid" 2>/dev/null
    rm -rf "$w"
  done
done
