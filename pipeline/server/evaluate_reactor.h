#ifndef RISKFLOW_PIPELINE_SERVER_EVALUATE_REACTOR_H_
#define RISKFLOW_PIPELINE_SERVER_EVALUATE_REACTOR_H_

#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "pipeline/server/services.h"

namespace riskflow::server {

// Serves one Evaluate with gRPC's callback API (docs/evaluate-lane.md,
// "The callback Evaluate"). The checks run on the calling gRPC thread;
// after that the call holds no thread: the log writer registers the
// decision wait as soon as the event is durable, and the deciding shard
// finishes the RPC when it publishes the decision. So a thousand pending
// Evaluates cost a thousand small objects, not a thousand blocked server
// threads, and the answer leaves without waking a handler thread. A timer
// ends the call at the client's deadline or after 30 s, whichever is
// first; the event stays durable and is still decided. On raw bytes, like
// Publish: bytes that are not an EvaluateRequest get INVALID_ARGUMENT with
// a reason (the typed callback API answers UNIMPLEMENTED, no message).
grpc::ServerUnaryReactor* NewEvaluateReactor(
    ServiceContext* ctx, grpc::CallbackServerContext* context,
    const grpc::ByteBuffer* request, grpc::ByteBuffer* response);

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_EVALUATE_REACTOR_H_
