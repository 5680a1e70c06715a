#!/usr/bin/env bash
# Installs what riskflow needs from Debian's archive, and nothing else.
# Idempotent: packages already present are not touched.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap          # Bazel 4.2.3 (offline build, see third_party/)
  g++
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  librocksdb-dev
  libabsl-dev
  libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev zlib1g-dev
  libxxhash-dev            # XXH3-128 event-id fingerprints (replay)
  libsimdjson-dev          # fast JSONL event parsing (replay, publish)
  libjemalloc-dev          # the binaries' allocator
  libcpp-httplib-dev       # riskflowd's Prometheus /metrics endpoint
  pkg-config
  python3
  procps
  # Fuzzing and the Python client example (docs/fuzzing.md, examples/python/)
  clang-14 libfuzzer-14-dev  # libFuzzer targets: bash tools/fuzz.sh
  python3-grpcio python3-protobuf  # for /usr/bin/python3 (not pyenv's)
  openssl                  # tools/certs.sh: dev CA and mTLS certificates
  libsqlite3-dev           # the case service's database (pipeline/cases)
  chromium chromium-driver python3-selenium  # the console's browser test (tests/console)
  libxgboost-dev           # XGBoost 1.7: model_score detector, riskflow train (docs/models.md)
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
