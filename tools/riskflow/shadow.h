// `riskflow shadow report`: how the challenger pipeline riskflowd runs in
// shadow mode (--shadow_config) decides compared with the live one
// (Admin.GetShadowReport).
#ifndef RISKFLOW_TOOLS_RISKFLOW_SHADOW_H_
#define RISKFLOW_TOOLS_RISKFLOW_SHADOW_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/admin_options.h"

namespace riskflow::cli {

inline constexpr char kShadowUsage[] =
    "riskflow shadow report [--after N] [--through N] [--max N] "
    "[--format text|json]\n"
    "  Compares the shadow (challenger) pipeline's decisions with the live\n"
    "  ones over sequences (--after, --through] (through 0 = as far as both\n"
    "  have decided; after 0 = 100,000 events back from there): versions,\n"
    "  counts per route and per detector side by side, and up to --max\n"
    "  changed decisions (0 = the daemon's default, 100). Exit code 1 when\n"
    "  riskflowd runs no shadow pipeline.\n";

struct ShadowOptions {
  AdminOptions admin;
  riskflow::v1::GetShadowReportRequest request;
};

// `args` are the command's arguments without the command word.
absl::StatusOr<ShadowOptions> ParseShadowArgs(
    const std::vector<std::string>& args);

// The text report. Each changed decision is one line:
// "<seq> <channel>/<event_id> account=<id> live=ROUTE [detector:REASON,...]
//  shadow=ROUTE [detector:REASON,...]".
std::string FormatShadowReport(const riskflow::v1::ShadowReport& report);

int RunShadowReport(const ShadowOptions& options,
                    riskflow::v1::Admin::StubInterface* stub,
                    std::ostream& out, std::ostream& err);

int ShadowMain(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_SHADOW_H_
