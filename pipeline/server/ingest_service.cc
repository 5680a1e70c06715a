#include <utility>

#include "pipeline/server/authorize.h"
#include "pipeline/server/evaluate_reactor.h"
#include "pipeline/server/publish_reactor.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>*
IngestService::Publish(grpc::CallbackServerContext* context) {
  auth::Principal caller;
  grpc::Status allowed =
      Authorize(ctx_, *context, auth::Rpc::kPublish, &caller);
  return NewPublishReactor(ctx_, std::move(caller), std::move(allowed));
}

grpc::ServerUnaryReactor* IngestService::Evaluate(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return NewEvaluateReactor(ctx_, context, request, response);
}

}  // namespace riskflow::server
