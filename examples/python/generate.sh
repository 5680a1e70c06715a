#!/usr/bin/env bash
# Generates the Python gRPC client code for riskflow's protos with Debian's
# protoc and grpc_python_plugin (packages protobuf-compiler and
# protobuf-compiler-grpc; run with python3-grpcio and python3-protobuf).
#
#   bash examples/python/generate.sh [OUT_DIR]   # default examples/python/gen
#
# The protos' import root is proto/, so the code lands in the package
# riskflow.v1:  from riskflow.v1 import event_pb2, ingest_pb2_grpc
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
proto_root=${RISKFLOW_PROTO_ROOT:-$here/../../proto}
out=${1:-$here/gen}
PROTOC=${PROTOC:-/usr/bin/protoc}
PLUGIN=${GRPC_PYTHON_PLUGIN:-/usr/bin/grpc_python_plugin}

for tool in "$PROTOC" "$PLUGIN"; do
  [[ -x $tool ]] || { echo "generate.sh: $tool missing (bash tools/setup.sh)" >&2; exit 1; }
done
mkdir -p "$out"
(cd "$proto_root" &&
 "$PROTOC" -I. --python_out="$out" --grpc_out="$out" \
   --plugin=protoc-gen-grpc="$PLUGIN" riskflow/v1/*.proto)
# Regular packages (not namespace packages), so `riskflow` cannot be
# shadowed by a same-named directory elsewhere on sys.path.
touch "$out/riskflow/__init__.py" "$out/riskflow/v1/__init__.py"
echo "generate.sh: wrote $(ls "$out"/riskflow/v1/*_pb2*.py | wc -l) modules to $out/riskflow/v1"
