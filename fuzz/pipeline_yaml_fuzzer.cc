// A pipeline config in YAML: ParsePipelineYaml must never throw (yaml-cpp
// does, internally), never crash, and either return a config that
// ValidatePipeline accepts, and that a client can parse, or an
// InvalidArgument error with a message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "pipeline/config/hashing.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/config/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<riskflow::v1::PipelineConfig> config =
      riskflow::config::ParsePipelineYaml(yaml);
  if (!config.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(config.status()),
               "not InvalidArgument: " + config.status().ToString());
    FUZZ_CHECK(!config.status().message().empty(), "empty error message");
    return 0;
  }
  absl::Status valid = riskflow::config::ValidatePipeline(*config);
  FUZZ_CHECK(valid.ok(), "parsed config fails validation: " + valid.ToString() +
                             " for " + riskflow::fuzz::Show(yaml));
  // What GetPipeline sends must parse on the client: proto3 parsers refuse
  // string fields that are not UTF-8.
  riskflow::v1::PipelineConfig received;
  FUZZ_CHECK(received.ParseFromString(config->SerializeAsString()),
             "accepted config does not survive the wire (UTF-8?): " +
                 riskflow::fuzz::Show(yaml));
  // The version hash is computed from every accepted config.
  (void)riskflow::config::Sha256Hex(
      riskflow::config::CanonicalConfigBytes(*config));
  return 0;
}
