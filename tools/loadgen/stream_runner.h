#ifndef RISKFLOW_TOOLS_LOADGEN_STREAM_RUNNER_H_
#define RISKFLOW_TOOLS_LOADGEN_STREAM_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/ingest.pb.h"
#include "tools/loadgen/client_tls.h"

namespace riskflow::loadgen {

struct RunResult {
  uint64_t events = 0;
  uint64_t accepted = 0;
  double seconds = 0;
  double events_per_second = 0;
  // Time from writing a batch to reading its ack, in microseconds.
  double ack_p50_us = 0;
  double ack_p99_us = 0;
};

// Streams the batches over `streams` concurrent Publish calls, each with up
// to `window` unacknowledged batches, as fast as acks allow.
absl::StatusOr<RunResult> RunStreams(
    const std::string& target,
    const std::vector<riskflow::v1::PublishRequest>& batches, int streams,
    int window, const ClientTls& tls = {});

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_STREAM_RUNNER_H_
