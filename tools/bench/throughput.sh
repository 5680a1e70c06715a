#!/bin/bash
# Decided events/s of the default pipeline (A) and of all 13 detectors (B),
# the transport baseline and idle Evaluates, alternating builds.
#
#   tools/bench/throughput.sh ROUNDS DIR1 DIR2 ...
#
# Each DIR holds loadgen and plugins/ (a -c opt build copied out of
# bazel-out). Per round and DIR: one in-process loadgen run of 1M events
# (durable acks), both pipelines and 1,000 idle Evaluates in the same run.
# This is the command the earlier sessions ran as /tmp/tput.sh. Run from
# the repository root; quote medians, the machine is shared.
set -u
ROUNDS=$1; shift
for r in $(seq 1 "$ROUNDS"); do
  for D in "$@"; do
    echo "== $D round $r load $(cut -d' ' -f1 /proc/loadavg) $(date +%T)"
    RISKFLOW_PLUGIN_PATH=$D/plugins "$D/loadgen" --events=1000000 \
      --repeats=1 --peer_baseline=false \
      --config2=pipeline/config/all_detectors.yaml --evaluate_calls=1000 \
      2>&1 |
      grep -E "^run 1 (transport|pipeline)|^Evaluate|^ratio [AB]/transport"
  done
done
