// A stable byte form of a pipeline and its hash: the pipeline version that
// every Decision records, so a replay can say which pipeline produced it.
#ifndef RISKFLOW_PIPELINE_CONFIG_HASHING_H_
#define RISKFLOW_PIPELINE_CONFIG_HASHING_H_

#include <string>
#include <string_view>

#include "proto/riskflow/v1/config.pb.h"

namespace riskflow {
namespace config {

// Deterministic protobuf serialization (map entries sorted by key). Equal
// messages give equal bytes within one protobuf build; the format is not
// promised stable across protobuf versions, so a library upgrade may
// change pipeline version hashes.
std::string CanonicalConfigBytes(const riskflow::v1::PipelineConfig& config);

// Lowercase hex SHA-256 (64 characters).
std::string Sha256Hex(std::string_view data);

}  // namespace config
}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_CONFIG_HASHING_H_
