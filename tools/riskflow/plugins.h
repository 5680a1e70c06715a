// `riskflow plugins`: the detectors riskflowd has loaded and their
// parameter schemas.
#ifndef RISKFLOW_TOOLS_RISKFLOW_PLUGINS_H_
#define RISKFLOW_TOOLS_RISKFLOW_PLUGINS_H_

#include <ostream>
#include <string>
#include <vector>

#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/admin_options.h"

namespace riskflow::cli {

inline constexpr char kPluginsUsage[] =
    "riskflow plugins [--format text|json]\n"
    "  Lists loaded detector plugins (Admin.ListPlugins): name@version,\n"
    "  build id, path, faults, and each parameter's type, value, default,\n"
    "  range and doc.\n";

// The text form of a ListPlugins response.
std::string FormatPlugins(const riskflow::v1::ListPluginsResponse& response);

int RunPlugins(const AdminOptions& options,
               riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
               std::ostream& err);

int PluginsMain(const std::vector<std::string>& args, std::ostream& out,
                std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_PLUGINS_H_
