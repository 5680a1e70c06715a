// Calls a gRPC method by name with raw bytes (grpc::GenericStub), for
// services without generated stubs here (health, reflection) and for
// sending bytes that are not a valid protobuf message.
#ifndef RISKFLOW_TESTS_RAW_CALL_H_
#define RISKFLOW_TESTS_RAW_CALL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace riskflow::e2e {

struct RawResult {
  grpc::Status status;
  std::vector<std::string> responses;
};

// Unary call: one request message, at most one response.
RawResult RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel,
                       const std::string& method, const std::string& request,
                       absl::Duration timeout = absl::Seconds(30));

// Streaming call: writes every request, half-closes, reads every response.
RawResult RawStreamingCall(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& method,
                           const std::vector<std::string>& requests,
                           absl::Duration timeout = absl::Seconds(30));

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_RAW_CALL_H_
