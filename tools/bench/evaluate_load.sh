#!/bin/bash
# Evaluate latency under paced Publish load, alternating builds, with the
# daemon's own stage histograms (docs/evaluate-lane.md, "Where the
# Evaluate's time goes").
#
#   tools/bench/evaluate_load.sh ROUNDS DIR1 DIR2 ...
#   LOAD="--evaluate_load_fraction=0.5" tools/bench/evaluate_load.sh 3 DIR
#
# Each DIR holds loadgen and plugins/ (a -c opt build copied out of
# bazel-out). Per round and DIR: one in-process loadgen run, 1,000 idle
# Evaluates, then Evaluates while 100 streams publish at LOAD (default a
# fixed 130,000 ev/s, so builds compare at the same offered rate; "50%"
# re-measures the maximum every run and moves with the machine). Prints
# the client's figures and the server's stages. Run from the repository
# root, on a quiet machine: latency tails are what other processes move
# first.
set -u
ROUNDS=$1; shift
for r in $(seq 1 "$ROUNDS"); do
  for D in "$@"; do
    echo "== $D round $r load $(cut -d' ' -f1 /proc/loadavg) $(date +%T)"
    RISKFLOW_PLUGIN_PATH=$D/plugins "$D/loadgen" --events=200000 \
      --repeats=1 --peer_baseline=false \
      ${LOAD:---evaluate_load_rate=130000} --evaluate_idle_calls=1000 2>&1 |
      grep -E "^run 1 evaluate" | sed 's/^run 1 evaluate //'
  done
done
