// The services' side of authorization: resolve the caller of an RPC from
// its TLS handshake and check the role it needs (pipeline/server/auth/).
#ifndef RISKFLOW_PIPELINE_SERVER_AUTHORIZE_H_
#define RISKFLOW_PIPELINE_SERVER_AUTHORIZE_H_

#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "pipeline/server/auth/authorizer.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

// ctx's authorizer, or one that allows everything when it has none.
const auth::Authorizer& AuthorizerOf(const ServiceContext* ctx);

// Who calls, as ctx's policy sees it.
auth::Principal CallerOf(const ServiceContext* ctx,
                         const grpc::ServerContextBase& context);

// The role check for `rpc`: OK, or PERMISSION_DENIED naming the identity,
// the role needed and the RPC.
grpc::Status Authorize(const ServiceContext* ctx,
                       const grpc::ServerContextBase& context, auth::Rpc rpc,
                       auth::Principal* caller = nullptr);

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_AUTHORIZE_H_
