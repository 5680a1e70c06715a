// `riskflow health`: whether riskflowd is serving, how far it has got, and
// how many decisions each sink holds.
#ifndef RISKFLOW_TOOLS_RISKFLOW_HEALTH_H_
#define RISKFLOW_TOOLS_RISKFLOW_HEALTH_H_

#include <ostream>
#include <string>
#include <vector>

#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/admin_options.h"

namespace riskflow::cli {

// Exit code when the call worked but the daemon is not serving, so scripts
// can use `riskflow health` as a readiness check.
inline constexpr int kExitNotServing = 2;

inline constexpr char kHealthUsage[] =
    "riskflow health [--format text|json]\n"
    "  Shows Admin.GetHealth. Exit code 0 when serving, 2 when not, 1 on\n"
    "  errors.\n";

std::string FormatHealth(const riskflow::v1::Health& health);

int RunHealth(const AdminOptions& options,
              riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
              std::ostream& err);

int HealthMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_HEALTH_H_
