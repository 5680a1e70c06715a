#!/usr/bin/env bash
# The main job: sets up, builds, starts riskflowd with its embedded default
# pipeline on a fresh data directory, publishes the sample stream and shows
# the decisions in each sink; then, as an analyst would, generates a labelled
# day of traffic, replays it through the default pipeline and through all
# detectors, and reports the difference. Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
bazel build //tools/riskflowd //tools/riskflow //tools/datagen

RISKFLOWD=bazel-bin/tools/riskflowd/riskflowd
RISKFLOW=bazel-bin/tools/riskflow/riskflow
DATAGEN=bazel-bin/tools/datagen/datagen
REPORT_HTML=${TMPDIR:-/tmp}/riskflow-demo-report.html
WORK=$(mktemp -d /tmp/riskflow-demo.XXXXXX)
DAEMON_PID=""
cleanup() {
  if [[ -n "$DAEMON_PID" ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== starting riskflowd (embedded default pipeline, data in $WORK/data)"
"$RISKFLOWD" --listen=127.0.0.1:0 --data_dir="$WORK/data" \
  --port_file="$WORK/port" 2>"$WORK/riskflowd.log" &
DAEMON_PID=$!
for _ in $(seq 1 100); do
  [[ -s "$WORK/port" ]] && break
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/riskflowd.log"; exit 1; }
  sleep 0.1
done
TARGET="127.0.0.1:$(cat "$WORK/port")"
echo "   listening on $TARGET"
"$RISKFLOW" --target="$TARGET" pipeline

echo
echo "== publishing tools/sample/events.jsonl"
"$RISKFLOW" --target="$TARGET" publish tools/sample/events.jsonl

# Acks mean durable; decisions follow asynchronously. Wait until every
# acknowledged event has been decided.
for _ in $(seq 1 200); do
  health=$("$RISKFLOW" --target="$TARGET" health --format json)
  if python3 -c 'import json,sys; h=json.loads(sys.argv[1]); sys.exit(0 if int(h.get("processed_sequence",0)) >= int(h.get("durable_sequence",0)) else 1)' "$health"; then
    break
  fi
  sleep 0.05
done

for sink in FREEZE MANUAL_REVIEW NOTIFY; do
  echo
  echo "== sink $sink"
  "$RISKFLOW" --target="$TARGET" tail "$sink"
done
echo
"$RISKFLOW" --target="$TARGET" health
echo
echo "== stopping riskflowd (SIGTERM drains and commits)"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=""
tail -n 2 "$WORK/riskflowd.log"

echo
echo "== analyst: one generated day (2,000 accounts, labelled anomalies),"
echo "   replayed through the default pipeline and through every detector"
"$DATAGEN" --seed 42 --days 1 --accounts 2000 --out "$WORK/day.jsonl"
"$RISKFLOW" replay --input "$WORK/day.jsonl" --out "$WORK/champion.jsonl"
"$RISKFLOW" replay --input "$WORK/day.jsonl" \
  --pipeline pipeline/config/all_detectors.yaml --out "$WORK/challenger.jsonl"
echo
echo "== report: champion (default) vs challenger (all detectors), scored"
echo "   against the generator's labels"
"$RISKFLOW" report --decisions "$WORK/champion.jsonl" \
  --challenger "$WORK/challenger.jsonl" --events "$WORK/day.jsonl" \
  --html "$REPORT_HTML"
echo "   HTML report (charts, every changed decision): $REPORT_HTML"
