// Client-side TLS for the load generator, so the cost of mTLS can be
// measured on the same run as plaintext (docs/benchmarks.md).
#ifndef RISKFLOW_TOOLS_LOADGEN_CLIENT_TLS_H_
#define RISKFLOW_TOOLS_LOADGEN_CLIENT_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace riskflow::loadgen {

// PEM files as riskflow's --tls_* flags take them; ca empty = plaintext.
struct ClientTls {
  std::string ca;
  std::string cert;
  std::string key;
  std::string server_name;
};

// Credentials for tls (insecure when tls.ca is empty); sets the server
// name override in *args when one is given. Errors name the unreadable
// file.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeCredentials(
    const ClientTls& tls, grpc::ChannelArguments* args);

}  // namespace riskflow::loadgen

#endif  // RISKFLOW_TOOLS_LOADGEN_CLIENT_TLS_H_
