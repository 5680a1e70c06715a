#!/usr/bin/env bash
# The detector table of docs/detectors.md: datagen (benign traffic with its
# hard negatives, plus labelled anomalies) -> riskflow replay through a
# pipeline -> per detector, benign alerts per 10K benign events, and recall
# per labelled anomaly kind, as Markdown on stdout.
#
#   tools/bench/detector_table.sh                  # 30 days, 10K accounts
#   tools/bench/detector_table.sh --days 7 --accounts 1000 \
#       --pipeline my_pipeline.yaml --hard_negatives=false
#
# Every flag is optional: --days (30), --accounts (10000), --seed (42),
# --anomaly_rate (0.001), --pipeline (pipeline/config/all_detectors.yaml),
# --hard_negatives (true), --keep DIR (keep the stream and decisions there),
# --account_holds (false; see below).
# The default run is ~2.4M events and takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."

DAYS=30 ACCOUNTS=10000 SEED=42 RATE=0.001 HARD=true KEEP="" HOLDS=false
PIPELINE=pipeline/config/all_detectors.yaml
while [[ $# -gt 0 ]]; do
  case "$1" in
    --days) DAYS=$2; shift 2 ;;
    --accounts) ACCOUNTS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --anomaly_rate) RATE=$2; shift 2 ;;
    --pipeline) PIPELINE=$2; shift 2 ;;
    --hard_negatives=*) HARD=${1#*=}; shift ;;
    --keep) KEEP=$2; shift 2 ;;
    --account_holds=*) HOLDS=${1#*=}; shift ;;
    *) echo "detector_table.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

bazel build //tools/datagen //tools/riskflow //tools/bench:detector_table \
  //plugins:builtin_plugins >&2
BIN=bazel-bin
WORK=${KEEP:-$(mktemp -d /tmp/detector-table.XXXXXX)}
mkdir -p "$WORK"
[[ -n "$KEEP" ]] || trap 'rm -rf "$WORK"' EXIT

echo "detector_table.sh: datagen --seed $SEED --days $DAYS --accounts $ACCOUNTS" \
  "--anomaly_rate $RATE --hard_negatives=$HARD" >&2
"$BIN/tools/datagen/datagen" --seed "$SEED" --days "$DAYS" \
  --accounts "$ACCOUNTS" --anomaly_rate "$RATE" --hard_negatives="$HARD" \
  --out "$WORK/events.jsonl" 2>"$WORK/datagen.txt"
# Holds off unless asked (--account_holds=true): datagen's world does not
# react to a hold (a held payout still moves money in its balance snapshots,
# a frozen account keeps transacting), so one true FREEZE would show up as
# held benign events and balance mismatches (docs/detectors.md).
RUN_PIPELINE="$WORK/pipeline.yaml"
grep -v '^account_holds:' "$PIPELINE" >"$RUN_PIPELINE"
echo "account_holds: $HOLDS" >>"$RUN_PIPELINE"
echo "detector_table.sh: riskflow replay --pipeline $PIPELINE (account_holds: $HOLDS)" >&2
"$BIN/tools/riskflow/riskflow" replay --input "$WORK/events.jsonl" \
  --pipeline "$RUN_PIPELINE" --out "$WORK/decisions.jsonl" >"$WORK/replay.txt" 2>&1
echo "Stream: \`datagen --seed $SEED --days $DAYS --accounts $ACCOUNTS" \
  "--anomaly_rate $RATE --hard_negatives=$HARD\`; pipeline \`$PIPELINE\`."
echo
"$BIN/tools/bench/detector_table" --events "$WORK/events.jsonl" \
  --decisions "$WORK/decisions.jsonl" --pipeline "$PIPELINE"
