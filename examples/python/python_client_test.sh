#!/usr/bin/env bash
# The Python client example against a real riskflowd: generates the client
# code with Debian's protoc + grpc_python_plugin from the repository's
# protos, starts riskflowd on a free loopback port with the embedded default
# pipeline and the built plugins, runs publish_and_tail.py with Debian's
# /usr/bin/python3, and checks that every event was acked and that the
# NOTIFY and MANUAL_REVIEW decisions arrived from the sinks.
set -euo pipefail

runfiles=${TEST_SRCDIR:?run with bazel test}/riskflow
tmp=${TEST_TMPDIR:?}
python=/usr/bin/python3  # not the pyenv shim: Debian's grpcio lives here

"$python" -c 'import grpc, google.protobuf' || {
  echo "FAIL: $python cannot import grpc / protobuf (bash tools/setup.sh)"; exit 1; }

RISKFLOW_PROTO_ROOT="$runfiles/proto" \
  bash "$runfiles/examples/python/generate.sh" "$tmp/gen"

port_file="$tmp/riskflowd.port"
"$runfiles/tools/riskflowd/riskflowd" --listen=127.0.0.1:0 \
  --data_dir="$tmp/data" --port_file="$port_file" \
  --plugin_path="$runfiles/plugins" > "$tmp/riskflowd.log" 2>&1 &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT

for _ in $(seq 1 300); do
  [[ -s $port_file ]] && break
  kill -0 $daemon 2>/dev/null || { cat "$tmp/riskflowd.log"; echo "FAIL: riskflowd exited"; exit 1; }
  sleep 0.1
done
[[ -s $port_file ]] || { cat "$tmp/riskflowd.log"; echo "FAIL: no port file"; exit 1; }
port=$(cat "$port_file")

# The generated package must be importable under its conventional name.
PYTHONPATH="$tmp/gen" "$python" -c 'from riskflow.v1 import event_pb2; assert event_pb2.DESCRIPTOR.package == "riskflow.v1"'

status=0
PYTHONPATH="$tmp/gen" "$python" "$runfiles/examples/python/publish_and_tail.py" \
  --target="127.0.0.1:$port" --timeout=20 > "$tmp/out.txt" 2>&1 || status=$?
cat "$tmp/out.txt"

fail() { echo "FAIL: $*"; cat "$tmp/riskflowd.log"; exit 1; }
((status == 0)) || fail "publish_and_tail.py exited $status"
grep -q '^ack batch=1 accepted=7 .* errors=0 duplicates=0$' "$tmp/out.txt" ||
  fail "the batch of 7 events was not fully accepted"
grep -q '^decision sink=NOTIFY .*-pay-5 route=NOTIFY .*detectors=.*velocity_burst' "$tmp/out.txt" ||
  fail "no velocity_burst NOTIFY decision for the 6th payment"
grep -q '^decision sink=MANUAL_REVIEW .*-payout route=MANUAL_REVIEW .*detectors=.*large_payout' "$tmp/out.txt" ||
  fail "no large_payout MANUAL_REVIEW decision for the payout"
echo "PASS"
