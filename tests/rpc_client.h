// Blocking client helpers over the riskflow gRPC services, shared by the
// in-process and the subprocess end-to-end tests.
#ifndef RISKFLOW_TESTS_RPC_CLIENT_H_
#define RISKFLOW_TESTS_RPC_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"
#include "proto/riskflow/v1/sinks.grpc.pb.h"

namespace riskflow::e2e {

// Generous: the Bazel machine is shared and may be loaded.
inline constexpr absl::Duration kRpcTimeout = absl::Seconds(60);

absl::Status FromGrpc(const grpc::Status& status);

// Stubs for one channel to a daemon.
struct Clients {
  explicit Clients(std::shared_ptr<grpc::Channel> channel);

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<riskflow::v1::Ingest::Stub> ingest;
  std::unique_ptr<riskflow::v1::Sinks::Stub> sinks;
  std::unique_ptr<riskflow::v1::Admin::Stub> admin;
};

std::shared_ptr<grpc::Channel> MakeChannel(int port);

// Sends every batch on one bidi Publish stream (acks are read concurrently)
// and returns how the stream ended; `acks` gets every ack, in order.
grpc::Status PublishBatches(
    riskflow::v1::Ingest::Stub* stub,
    const std::vector<riskflow::v1::PublishRequest>& batches,
    std::vector<riskflow::v1::PublishAck>* acks);

absl::StatusOr<riskflow::v1::Health> GetHealth(riskflow::v1::Admin::Stub* stub);

// Polls Admin.GetHealth until every durable event is processed (decisions
// committed to the sinks).
absl::Status WaitProcessed(riskflow::v1::Admin::Stub* stub,
                           absl::Duration timeout = absl::Seconds(120));

// Reads a sink's backlog with Subscribe(stop_at_end).
grpc::Status ReadSink(riskflow::v1::Sinks::Stub* stub,
                      const riskflow::v1::SubscribeRequest& request,
                      std::vector<riskflow::v1::Decision>* out);
absl::StatusOr<std::vector<riskflow::v1::Decision>> ReadSink(
    riskflow::v1::Sinks::Stub* stub, riskflow::v1::Route sink,
    uint64_t after = 0);

grpc::Status Evaluate(riskflow::v1::Ingest::Stub* stub,
                      const riskflow::v1::Event& event, absl::Duration deadline,
                      riskflow::v1::EvaluateResponse* response);

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_RPC_CLIENT_H_
