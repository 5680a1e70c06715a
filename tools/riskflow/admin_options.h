// Flags and plumbing shared by the read-only Admin commands (plugins,
// pipeline, health).
#ifndef RISKFLOW_TOOLS_RISKFLOW_ADMIN_OPTIONS_H_
#define RISKFLOW_TOOLS_RISKFLOW_ADMIN_OPTIONS_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/client_context.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "tools/riskflow/common.h"

namespace riskflow::cli {

struct AdminOptions {
  GlobalOptions global;
  OutputFormat format = OutputFormat::kText;
  int64_t deadline_ms = 5000;
};

// `command` is the bare name ("plugins") for messages.
absl::StatusOr<AdminOptions> ParseAdminArgs(
    const std::string& command, const std::vector<std::string>& args);

// A context whose deadline is options.deadline_ms from now.
std::unique_ptr<grpc::ClientContext> MakeAdminContext(
    const AdminOptions& options);

// A protobuf message as indented JSON, for --format json.
std::string MessageToPrettyJson(const google::protobuf::Message& message);

using AdminRunner = int (*)(const AdminOptions&,
                            riskflow::v1::Admin::StubInterface*, std::ostream&,
                            std::ostream&);

// Parse, connect and call `run`: the body of every Admin command's main.
int AdminMain(const std::string& command, AdminRunner run,
              const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_ADMIN_OPTIONS_H_
