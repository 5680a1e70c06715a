#ifndef RISKFLOW_TOOLS_LOADGEN_EVALUATE_RUNNER_H_
#define RISKFLOW_TOOLS_LOADGEN_EVALUATE_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/event.pb.h"

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

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_EVALUATE_RUNNER_H_
