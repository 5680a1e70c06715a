// `riskflow pipeline`: the pipeline riskflowd runs, its version hash and the
// route of every detector.
#ifndef RISKFLOW_TOOLS_RISKFLOW_PIPELINE_H_
#define RISKFLOW_TOOLS_RISKFLOW_PIPELINE_H_

#include <ostream>
#include <string>
#include <vector>

#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/admin_options.h"

namespace riskflow::cli {

inline constexpr char kPipelineUsage[] =
    "riskflow pipeline [--format text|json]\n"
    "  Shows the running pipeline (Admin.GetPipeline): name, version hash,\n"
    "  source, and each detector with its plugin, route and parameters.\n";

std::string FormatPipeline(const riskflow::v1::PipelineInfo& info);

int RunPipeline(const AdminOptions& options,
                riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
                std::ostream& err);

int PipelineMain(const std::vector<std::string>& args, std::ostream& out,
                 std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_PIPELINE_H_
