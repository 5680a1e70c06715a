// Durations as written in pipeline YAML and plugin parameters: a
// non-negative integer followed by a unit ("250ms", "30s", "5m", "24h",
// "7d"). Integers only, so a config value never depends on float rounding.
#ifndef RISKFLOW_PIPELINE_CONFIG_DURATION_H_
#define RISKFLOW_PIPELINE_CONFIG_DURATION_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace riskflow {
namespace config {

// Accepts the units ms, s, m, h and d, and a bare "0". Rejects signs,
// fractions, whitespace, missing units and values that overflow int64.
// The error message quotes the input: "invalid duration '5 parsecs'".
absl::StatusOr<int64_t> ParseDurationMs(std::string_view text);

// As ParseDurationMs, plus the unit "us". Detector time budgets are kept in
// microseconds and a sub-millisecond budget is a real need.
absl::StatusOr<int64_t> ParseDurationUs(std::string_view text);

}  // namespace config
}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_CONFIG_DURATION_H_
