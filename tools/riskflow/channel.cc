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
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(options.target, grpc::InsecureChannelCredentials());
  auto deadline = std::chrono::system_clock::now() +
                  std::chrono::milliseconds(options.connect_timeout_ms);
  // WaitForConnected would sit out the whole timeout on a refused
  // connection (gRPC keeps retrying); the first TRANSIENT_FAILURE already
  // says nobody is listening.
  grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE ||
        state == GRPC_CHANNEL_SHUTDOWN) {
      return absl::UnavailableError(
          absl::StrCat("cannot reach riskflowd at ", options.target,
                       ": failed to connect (is the daemon running? use "
                       "--target)"));
    }
    if (!channel->WaitForStateChange(state, deadline)) {
      return absl::UnavailableError(
          absl::StrCat("cannot reach riskflowd at ", options.target,
                       ": no connection within ", options.connect_timeout_ms,
                       " ms (is the daemon running? use --target)"));
    }
    state = channel->GetState(/*try_to_connect=*/true);
  }
  return channel;
}

}  // namespace riskflow::cli
