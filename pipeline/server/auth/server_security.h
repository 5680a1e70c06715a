// Turns SecurityOptions into the server's credentials and authorizer, and
// refuses the combinations that would leave the port open by accident
// (docs/security.md, "Start-up rules").
#ifndef RISKFLOW_PIPELINE_SERVER_AUTH_SERVER_SECURITY_H_
#define RISKFLOW_PIPELINE_SERVER_AUTH_SERVER_SECURITY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/server_credentials.h"
#include "pipeline/server/auth/authorizer.h"
#include "pipeline/server/auth/security_options.h"

namespace riskflow::server::auth {

struct ServerSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::unique_ptr<Authorizer> authorizer;
  // For the operator's log (e.g. plaintext on a public address).
  std::vector<std::string> warnings;
};

// Reads the PEM files and the policy; every error names the flag and the
// file. Refuses: --tls_cert without --tls_key (and the reverse);
// --tls_client_ca without a server certificate; --auth_policy without
// client certificates; a non-loopback listen address without TLS unless
// allow_insecure (then a warning).
absl::StatusOr<ServerSecurity> SetUpServerSecurity(
    absl::string_view listen_address, const SecurityOptions& options);

}  // namespace riskflow::server::auth

#endif  // RISKFLOW_PIPELINE_SERVER_AUTH_SERVER_SECURITY_H_
