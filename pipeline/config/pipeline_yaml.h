// Pipeline YAML -> PipelineConfig. The shape is documented, with comments,
// in default_pipeline.yaml next to this file.
//
// Unknown keys, duplicate keys, wrong types and bad values are errors; a
// typo in a risk config must fail start, not silently fall back to a
// default. Every error is InvalidArgument and reads
//   "<field path>: <reason> at line L, column C"
// e.g. "detectors[1].route: unknown route 'FREZE' (expected PASS, NOTIFY,
// MANUAL_REVIEW or FREEZE) at line 9, column 12". The location is left out
// only when there is nothing in the document to point at.
#ifndef RISKFLOW_PIPELINE_CONFIG_PIPELINE_YAML_H_
#define RISKFLOW_PIPELINE_CONFIG_PIPELINE_YAML_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/config.pb.h"
#include "proto/riskflow/v1/decision.pb.h"

namespace riskflow {
namespace config {

// Defaults the parser fills in for keys the YAML leaves out, so the
// resulting config (and its hash) says exactly what will run.
inline constexpr int64_t kDefaultAllowedLatenessMs = 5 * 60 * 1000;
inline constexpr uint32_t kDefaultMaxBatchEvents = 2048;
// A FREEZE holds its account unless the pipeline says `account_holds: false`.
inline constexpr bool kDefaultAccountHolds = true;
inline constexpr riskflow::v1::Route kDefaultOnError =
    riskflow::v1::MANUAL_REVIEW;
inline constexpr int64_t kDefaultTimeBudgetUs = 5 * 1000;
inline constexpr uint32_t kDefaultQuarantineAfter = 1000;
// FREEZE guard rail (pipeline/router/freeze_cap.h); 0 = unlimited.
inline constexpr uint32_t kDefaultFreezeCapPerMinute = 1000;
inline constexpr uint32_t kMaxFreezeCapPerMinute = 1000000;

// Parses one YAML document, applies the defaults above and runs
// ValidatePipeline, so a returned config is always valid. Never throws.
absl::StatusOr<riskflow::v1::PipelineConfig> ParsePipelineYaml(
    std::string_view yaml);

// Reads `path` and parses it; every error message starts with the path.
absl::StatusOr<riskflow::v1::PipelineConfig> LoadPipelineFile(
    const std::string& path);

}  // namespace config
}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_CONFIG_PIPELINE_YAML_H_
