#!/usr/bin/env bash
# Sets up, builds and runs every test; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

start=$(date +%s)
bazel test //... --test_output=errors "$@"
status=$?
echo "test.sh: bazel test finished with status $status in $(( $(date +%s) - start ))s"

# Count test cases (not test targets) from the JUnit XML Bazel writes.
python3 tools/count_tests.py bazel-testlogs "$status"
