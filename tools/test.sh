#!/usr/bin/env bash
# Sets up, builds and runs every test; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

start=$(date +%s)
log=$(mktemp /tmp/riskflow-test.XXXXXX)
# --test_summary=short lists every test target of this run, which is what
# count_tests.py reads.
# --nocache_test_results: the disk cache (.bazelrc) would otherwise hand back
# test results from an earlier run with the same inputs; every run tests.
bazel test //... --nocache_test_results --test_output=errors --test_summary=short "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo "test.sh: bazel test finished with status $status in $(( $(date +%s) - start ))s"

# Count test cases (not test targets) from the JUnit XML Bazel writes.
python3 tools/count_tests.py "$log" "$status"
result=$?
rm -f "$log"
exit $result
