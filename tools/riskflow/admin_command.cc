#include "tools/riskflow/admin_command.h"

#include "tools/riskflow/channel.h"
#include "tools/riskflow/common.h"

namespace riskflow::cli {

void AddAdminFlags(FlagSet* flags, AdminOptions* options, std::string* format) {
  AddGlobalFlags(flags, &options->global);
  flags->AddString("format", format, "text or json");
  flags->AddInt("deadline_ms", &options->deadline_ms,
                "how long the call may take", 1);
}

absl::Status ApplyFormatFlag(const std::string& format, AdminOptions* options) {
  absl::StatusOr<OutputFormat> parsed = ParseOutputFormat(format);
  if (!parsed.ok()) return parsed.status();
  options->format = *parsed;
  return absl::OkStatus();
}

std::string AdminErrorSentence(const std::string& what,
                               const std::string& target,
                               const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:
      return RpcErrorSentence(what, target, status);
    default:
      if (status.error_message().empty()) {
        return RpcErrorSentence(what, target, status);
      }
      return status.error_message();
  }
}

int WithAdminStub(
    const std::string& command, const GlobalOptions& options,
    std::ostream& err,
    const std::function<int(riskflow::v1::Admin::StubInterface*)>& run) {
  auto channel = ConnectToDaemon(options);
  if (!channel.ok()) {
    err << "riskflow " << command << ": " << channel.status().message() << "\n";
    return kExitError;
  }
  auto stub = riskflow::v1::Admin::NewStub(*channel);
  return run(stub.get());
}

}  // namespace riskflow::cli
