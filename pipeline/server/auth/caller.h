// Who is on the other end of a call, from the TLS handshake.
#ifndef RISKFLOW_PIPELINE_SERVER_AUTH_CALLER_H_
#define RISKFLOW_PIPELINE_SERVER_AUTH_CALLER_H_

#include <string>

#include "grpcpp/server_context.h"
#include "pipeline/server/auth/authorizer.h"

namespace riskflow::server::auth {

// The identity of an unauthenticated caller (no client certificate: dev
// mode on loopback, or TLS without --tls_client_ca).
inline constexpr char kLocalIdentity[] = "local";

// The verified client certificate's subject CN, or, when it has none, its
// first subject alternative name; kLocalIdentity when the peer presented
// no verified certificate.
Principal CallerOf(const Authorizer& authorizer,
                   const grpc::ServerContextBase& context);

}  // namespace riskflow::server::auth

#endif  // RISKFLOW_PIPELINE_SERVER_AUTH_CALLER_H_
