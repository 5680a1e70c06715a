// File I/O for pipeline configs, kept apart from the YAML parsing.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "pipeline/config/pipeline_yaml.h"
#include "proto/riskflow/v1/config.pb.h"

namespace riskflow {
namespace config {

using ::riskflow::v1::PipelineConfig;

absl::StatusOr<PipelineConfig> LoadPipelineFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return absl::Status(
        error == ENOENT ? absl::StatusCode::kNotFound
                        : absl::StatusCode::kFailedPrecondition,
        absl::StrCat(path, ": cannot open: ", std::strerror(error)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat(path, ": read failed"));
  }
  absl::StatusOr<PipelineConfig> config = ParsePipelineYaml(contents.str());
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

}  // namespace config
}  // namespace riskflow
