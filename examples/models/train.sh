#!/usr/bin/env bash
# Rebuilds examples/models/model.json (+ model.json.meta.json) from datagen's
# labelled stream. Deterministic: same datagen and XGBoost, same bytes.
#   bash examples/models/train.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bazel build //tools/datagen //tools/riskflow
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bazel-bin/tools/datagen/datagen --seed 42 --days 7 --accounts 400 \
  --anomaly_rate 0.01 --quiet --out "$tmp/events.jsonl"
bazel-bin/tools/riskflow/riskflow train \
  --pipeline examples/models/model_score.yaml \
  --events "$tmp/events.jsonl" \
  --out examples/models/model.json \
  --holdout_percent 20 --rounds 100 --max_depth 4 --eta 0.1 --seed 7
