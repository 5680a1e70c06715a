#ifndef RISKFLOW_TOOLS_LOADGEN_EVALUATE_RUNNER_H_
#define RISKFLOW_TOOLS_LOADGEN_EVALUATE_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/event.pb.h"
#include "proto/riskflow/v1/ingest.pb.h"

namespace riskflow::loadgen {

struct EvaluateResult {
  uint64_t calls = 0;
  double p50_us = 0;
  double p99_us = 0;
  double max_us = 0;
};

// The authorization path: one Evaluate at a time (each waits for its
// decision), measuring call latency end to end.
absl::StatusOr<EvaluateResult> RunEvaluates(
    const std::string& target, const std::vector<riskflow::v1::Event>& events);

// The authorization path under bulk traffic (docs/evaluate-lane.md).
struct LoadedEvaluateOptions {
  // Publish streams and their total offered rate. Each stream sends its
  // batches on a fixed schedule (staggered across streams, so the load is
  // smooth rather than synchronized bursts), whatever the acks do, up to
  // `window` unacknowledged batches.
  int streams = 100;
  double events_per_second = 10000;
  int window = 64;
  // Pause between two sequential Evaluate calls, so they sample the whole
  // run instead of its first second.
  int evaluate_gap_us = 2000;
  // Evaluates start this long after the publishers (queues at steady state).
  int warmup_ms = 500;
  // Non-empty: every batch's send time and ack latency, and every
  // Evaluate's, go to this file.
  std::string ack_log;
};

struct LoadedEvaluateResult {
  EvaluateResult evaluate;
  // Publish batches acknowledged per second and ack latency (from the
  // batch's write to its ack), over the same run.
  double acked_events_per_second = 0;
  double ack_p50_us = 0;
  double ack_p99_us = 0;
  // Batches sent late because the window was full: the daemon could not
  // keep up with the offered rate.
  uint64_t late_batches = 0;
};

// Streams `batches` paced at options.events_per_second over
// options.streams Publish calls and, at the same time, makes sequential
// Evaluate calls with `evaluate_events` until the publishers are done (or
// the events run out). Fails if any call fails.
absl::StatusOr<LoadedEvaluateResult> RunEvaluatesUnderLoad(
    const std::string& target,
    const std::vector<riskflow::v1::Event>& evaluate_events,
    const std::vector<riskflow::v1::PublishRequest>& batches,
    const LoadedEvaluateOptions& options);

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_EVALUATE_RUNNER_H_
