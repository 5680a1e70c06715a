// Plumbing for the Admin commands that take their own flags and arguments
// (reload, lists, shadow), on top of admin_options.h.
#ifndef RISKFLOW_TOOLS_RISKFLOW_ADMIN_COMMAND_H_
#define RISKFLOW_TOOLS_RISKFLOW_ADMIN_COMMAND_H_

#include <functional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/admin_options.h"
#include "tools/riskflow/flags.h"

namespace riskflow::cli {

// Registers the global flags, --format (bound to *format) and
// --deadline_ms on `flags`.
void AddAdminFlags(FlagSet* flags, AdminOptions* options, std::string* format);

// Sets options->format from the --format text once flags are parsed.
absl::Status ApplyFormatFlag(const std::string& format, AdminOptions* options);

// What to tell the user about a failed Admin call. When the daemon answered
// and refused (a bad entry, a refused pipeline, no shadow), its message says
// what is wrong and is shown as is; transport failures (daemon down, deadline,
// overload, old daemon) get RpcErrorSentence's wording and hint.
std::string AdminErrorSentence(const std::string& what,
                               const std::string& target,
                               const grpc::Status& status);

// Connects to options.global.target and calls run with an Admin stub; a
// connection failure is printed as "riskflow <command>: ..." (exit 1).
int WithAdminStub(
    const std::string& command, const GlobalOptions& options,
    std::ostream& err,
    const std::function<int(riskflow::v1::Admin::StubInterface*)>& run);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_ADMIN_COMMAND_H_
