// `riskflow quarantine list|clear NAME`: detectors riskflowd quarantined
// after a crash, a hang or repeated faults (Admin.ListQuarantines,
// ClearQuarantine; docs/plugin-faults.md).
#ifndef RISKFLOW_TOOLS_RISKFLOW_QUARANTINE_H_
#define RISKFLOW_TOOLS_RISKFLOW_QUARANTINE_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/admin_options.h"

namespace riskflow::cli {

inline constexpr char kQuarantineUsage[] =
    "riskflow quarantine list [--format text|json]\n"
    "riskflow quarantine clear DETECTOR\n"
    "  Lists the quarantined detectors (why, on which log sequence, since\n"
    "  when) or lifts one quarantine: the detector runs again from its next\n"
    "  event. Quarantines survive restarts until cleared. clear exits 1\n"
    "  when the detector was not quarantined.\n";

struct QuarantineOptions {
  AdminOptions admin;
  bool clear = false;
  std::string detector;  // clear only
};

// `args` are the command's arguments without the command word.
absl::StatusOr<QuarantineOptions> ParseQuarantineArgs(
    const std::vector<std::string>& args);

std::string FormatQuarantines(
    const riskflow::v1::ListQuarantinesResponse& response);

int RunQuarantine(const QuarantineOptions& options,
                  riskflow::v1::Admin::StubInterface* stub, std::ostream& out,
                  std::ostream& err);

int QuarantineMain(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_QUARANTINE_H_
