// Opening the connection to riskflowd.
#ifndef RISKFLOW_TOOLS_RISKFLOW_CHANNEL_H_
#define RISKFLOW_TOOLS_RISKFLOW_CHANNEL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"
#include "tools/riskflow/common.h"

namespace riskflow::cli {

// A channel to options.target that is already connected: TLS when
// --tls_ca is given (with --tls_cert/--tls_key as the client certificate),
// plaintext otherwise. Waiting
// here (bounded by connect_timeout_ms) gives one clear sentence for a
// missing daemon instead of an UNAVAILABLE from whichever call comes first.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectToDaemon(
    const GlobalOptions& options);

// The same channel, not yet connected; errors name a missing or
// unreadable --tls_* file.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const GlobalOptions& options);

}  // namespace riskflow::cli

#endif  // RISKFLOW_TOOLS_RISKFLOW_CHANNEL_H_
