// Structural checks on a PipelineConfig, whatever produced it (YAML, the
// admin API, a test). Plugin parameters are not checked here: only the
// plugin host knows a plugin's parameter schema.
#ifndef RISKFLOW_PIPELINE_CONFIG_VALIDATE_H_
#define RISKFLOW_PIPELINE_CONFIG_VALIDATE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "proto/riskflow/v1/config.pb.h"

namespace riskflow {
namespace config {

inline constexpr uint32_t kMaxShards = 256;
inline constexpr uint32_t kMaxBatchEvents = 65536;

// Returns the first problem found as InvalidArgument. The message starts
// with the field path as written in YAML ("detectors[1].name: ...",
// "allowed_lateness: ..."), because that is what the operator edits; the
// YAML parser relies on this prefix to add a line number.
absl::Status ValidatePipeline(const riskflow::v1::PipelineConfig& config);

// 64 lowercase hex digits: a SHA-256 as plugin build ids spell it.
bool IsSha256Hex(std::string_view text);

}  // namespace config
}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_CONFIG_VALIDATE_H_
