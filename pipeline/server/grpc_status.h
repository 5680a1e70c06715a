#ifndef RISKFLOW_PIPELINE_SERVER_GRPC_STATUS_H_
#define RISKFLOW_PIPELINE_SERVER_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace riskflow::server {

// The only place absl::Status becomes grpc::Status: the codes are the same
// numbers by design in both libraries.
inline grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_GRPC_STATUS_H_
