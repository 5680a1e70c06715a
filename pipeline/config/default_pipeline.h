// The pipeline the daemon runs when it is given no config file.
#ifndef RISKFLOW_PIPELINE_CONFIG_DEFAULT_PIPELINE_H_
#define RISKFLOW_PIPELINE_CONFIG_DEFAULT_PIPELINE_H_

#include <string_view>

namespace riskflow {
namespace config {

// YAML text identical to pipeline/config/default_pipeline.yaml (a test
// holds the two together). Embedded so the daemon needs no file to start.
std::string_view DefaultPipelineYaml();

}  // namespace config
}  // namespace riskflow

#endif  // RISKFLOW_PIPELINE_CONFIG_DEFAULT_PIPELINE_H_
