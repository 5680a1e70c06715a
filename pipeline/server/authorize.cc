#include "pipeline/server/authorize.h"

#include <utility>

#include "pipeline/server/auth/caller.h"
#include "pipeline/server/grpc_status.h"

namespace riskflow::server {

const auth::Authorizer& AuthorizerOf(const ServiceContext* ctx) {
  static const auth::Authorizer* const kAllowAll = new auth::Authorizer();
  return ctx->authorizer != nullptr ? *ctx->authorizer : *kAllowAll;
}

auth::Principal CallerOf(const ServiceContext* ctx,
                         const grpc::ServerContextBase& context) {
  return auth::CallerOf(AuthorizerOf(ctx), context);
}

grpc::Status Authorize(const ServiceContext* ctx,
                       const grpc::ServerContextBase& context, auth::Rpc rpc,
                       auth::Principal* caller) {
  auth::Principal who = CallerOf(ctx, context);
  absl::Status s = AuthorizerOf(ctx).Check(who, rpc);
  if (caller != nullptr) *caller = std::move(who);
  return ToGrpc(s);
}

}  // namespace riskflow::server
