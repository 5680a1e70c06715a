#!/usr/bin/env bash
# Builds the libFuzzer targets (//fuzz, --config=fuzz: clang-14, ASan,
# UBSan) and runs each for SECONDS seconds (default 60), then prints the
# executions per target. See docs/fuzzing.md.
#
#   bash tools/fuzz.sh                  # every target, 60 s each
#   bash tools/fuzz.sh 300 event_json   # one target, 5 minutes
#
# Inputs that grow coverage go to $FUZZ_WORK/corpus/<target> (default
# /tmp/riskflow-fuzz), crashes to $FUZZ_WORK/crashes/<target>/. A crash
# becomes a regression input: copy it to fuzz/regressions/<target>/, fix
# the bug, and `bazel test //fuzz:<target>_fuzzer_test` keeps it fixed.
#
# The clang build runs in its own Bazel output base (FUZZ_OUTPUT_BASE),
# because switching CC re-configures Bazel's C++ toolchain; the ordinary
# gcc build in the default output base is left untouched.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(publish_batch event_json pipeline_yaml csv_source decision_file
         decision_json log_record param_parse rule_set)
SECONDS_EACH=${1:-60}
shift || true
if (($# > 0)); then TARGETS=("$@"); fi
WORK=${FUZZ_WORK:-/tmp/riskflow-fuzz}
OUTPUT_BASE=${FUZZ_OUTPUT_BASE:-$HOME/.cache/riskflow-fuzz-output-base}

for tool in clang-14 clang++-14; do
  command -v "$tool" >/dev/null || { echo "fuzz.sh: $tool missing (bash tools/setup.sh)" >&2; exit 1; }
done

BAZEL=(bazel --output_base="$OUTPUT_BASE")
labels=()
for t in "${TARGETS[@]}"; do labels+=("//fuzz:${t}_fuzzer"); done
start=$(date +%s)
# --symlink_prefix=/: no bazel-bin/bazel-out links, so the workspace's links
# keep pointing at the ordinary build.
"${BAZEL[@]}" build --config=fuzz --symlink_prefix=/ "${labels[@]}"
echo "fuzz.sh: clang build took $(( $(date +%s) - start ))s"
bin=$("${BAZEL[@]}" info --config=fuzz bazel-bin 2>/dev/null)

mkdir -p "$WORK"
summary="$WORK/summary.txt"
: > "$summary"
crashed=0
for t in "${TARGETS[@]}"; do
  corpus="$WORK/corpus/$t"
  crashes="$WORK/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  # Seeds and regressions are read-only inputs; new finds go to $corpus.
  seeds=(fuzz/corpus/"$t")
  [[ -d fuzz/regressions/$t ]] && seeds+=(fuzz/regressions/"$t")
  log="$WORK/$t.log"
  echo "fuzz.sh: $t for ${SECONDS_EACH}s (log $log)"
  status=0
  # Scratch files and stores the targets make (publish_batch's RocksDB)
  # go here and are removed after the run.
  scratch="$WORK/tmp/$t"
  mkdir -p "$scratch"
  TMPDIR="$scratch" ASAN_OPTIONS=detect_leaks=0 \
  "$bin/fuzz/${t}_fuzzer" -max_total_time="$SECONDS_EACH" \
    -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 -max_len=16384 \
    -artifact_prefix="$crashes/" "$corpus" "${seeds[@]}" \
    > "$log" 2>&1 || status=$?
  # awk, not grep: a log without a match must not end the script (pipefail).
  execs=$(awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}' "$log")
  cov=$(awk '{for (i = 1; i < NF; ++i) if ($i == "cov:") c = $(i + 1)} END {print c}' "$log")
  rm -rf "$scratch"
  n_crash=$(find "$crashes" -type f | wc -l)
  printf '%-14s execs %12s  cov %6s  corpus %5s  crashes %s%s\n' "$t" "$execs" \
    "${cov:-?}" "$(find "$corpus" -type f | wc -l)" "$n_crash" \
    "$( ((status != 0)) && echo "  (exit $status: see $log)")" | tee -a "$summary"
  if ((status != 0 || n_crash > 0)); then crashed=1; fi
done
echo "fuzz.sh: total $(( $(date +%s) - start ))s; summary in $summary"
exit $crashed
