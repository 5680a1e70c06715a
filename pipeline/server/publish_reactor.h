#ifndef RISKFLOW_PIPELINE_SERVER_PUBLISH_REACTOR_H_
#define RISKFLOW_PIPELINE_SERVER_PUBLISH_REACTOR_H_

#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "pipeline/server/auth/authorizer.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

// Serves one Publish stream with gRPC's callback API on raw bytes, so that
// a message that is not a PublishRequest ends the stream with
// INVALID_ARGUMENT (the typed sync API reports it as a normal end of
// stream, silently dropping what the client sent after it). Up to
// ctx->publish_window batches are in flight; acks go out in order, each
// only after its batch is durable.
grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* NewPublishReactor(
    ServiceContext* ctx);
// The same for `caller`, whose events are checked against its channels;
// when `allowed` is not OK the stream ends with it before reading anything.
grpc::ServerBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer>* NewPublishReactor(
    ServiceContext* ctx, auth::Principal caller, grpc::Status allowed);

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_PUBLISH_REACTOR_H_
