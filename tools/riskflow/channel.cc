#include "tools/riskflow/channel.h"

#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace riskflow::cli {

absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectToDaemon(
    const GlobalOptions& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("--target must not be empty");
  }
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(
      options.target, grpc::InsecureChannelCredentials());
  auto deadline = std::chrono::system_clock::now() +
                  std::chrono::milliseconds(options.connect_timeout_ms);
  if (!channel->WaitForConnected(deadline)) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach riskflowd at ", options.target,
        ": failed to connect within ", options.connect_timeout_ms,
        " ms (is the daemon running? use --target)"));
  }
  return channel;
}

}  // namespace riskflow::cli
