#ifndef RISKFLOW_PIPELINE_SERVER_BAD_REQUEST_INTERCEPTOR_H_
#define RISKFLOW_PIPELINE_SERVER_BAD_REQUEST_INTERCEPTOR_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace riskflow::server {

// gRPC's sync server answers a request whose bytes do not parse as the
// method's message with INTERNAL and an empty message, before the handler
// runs. That reads like a server bug; it is the client's. This interceptor
// (unary and server-streaming methods) turns exactly that case into
// INVALID_ARGUMENT naming the method. Publish and Evaluate are callback
// methods and parse their own bytes (publish_reactor.h, evaluate_reactor.h).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewBadRequestInterceptorFactory();

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_BAD_REQUEST_INTERCEPTOR_H_
