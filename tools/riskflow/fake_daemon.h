// Fakes of riskflowd's gRPC services for CLI tests: simple, deterministic
// behaviour on a loopback port chosen by the OS.
#ifndef RISKFLOW_TOOLS_RISKFLOW_FAKE_DAEMON_H_
#define RISKFLOW_TOOLS_RISKFLOW_FAKE_DAEMON_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "grpcpp/server.h"
#include "proto/riskflow/v1/admin.grpc.pb.h"
#include "proto/riskflow/v1/ingest.grpc.pb.h"
#include "proto/riskflow/v1/sinks.grpc.pb.h"

namespace riskflow::cli::testing {

// Publish accepts every event except those whose event_id starts with
// "bad" (INVALID_EVENT) and answers re-sent channel/event_ids as duplicates.
class FakeIngest final : public riskflow::v1::Ingest::Service {
 public:
  grpc::Status Publish(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<riskflow::v1::PublishAck,
                               riskflow::v1::PublishRequest>* stream) override;
  grpc::Status Evaluate(grpc::ServerContext* context,
                        const riskflow::v1::EvaluateRequest* request,
                        riskflow::v1::EvaluateResponse* response) override;

  // After this many batches, Publish fails with RESOURCE_EXHAUSTED.
  void FailAfterBatches(int batches) {
    absl::MutexLock lock(&mu_);
    fail_after_batches_ = batches;
  }
  // Batches larger than this are refused whole via batch_error.
  void SetMaxBatch(int events) {
    absl::MutexLock lock(&mu_);
    max_batch_ = events;
  }
  std::vector<int> batch_sizes() {
    absl::MutexLock lock(&mu_);
    return batch_sizes_;
  }

 private:
  absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> seen_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  int fail_after_batches_ ABSL_GUARDED_BY(mu_) = -1;
  int max_batch_ ABSL_GUARDED_BY(mu_) = 1 << 30;
  std::vector<int> batch_sizes_ ABSL_GUARDED_BY(mu_);
};

// Subscribe streams the stored entries of a sink after the cursor and
// always stops at the end of the backlog.
class FakeSinks final : public riskflow::v1::Sinks::Service {
 public:
  grpc::Status Subscribe(
      grpc::ServerContext* context,
      const riskflow::v1::SubscribeRequest* request,
      grpc::ServerWriter<riskflow::v1::Decision>* writer) override;
  grpc::Status CommitCursor(
      grpc::ServerContext* context,
      const riskflow::v1::CommitCursorRequest* request,
      riskflow::v1::CommitCursorResponse* response) override;

  // Appends with the next sink_sequence of `sink`.
  void Add(riskflow::v1::Route sink, riskflow::v1::Decision decision);
  void SetCursor(riskflow::v1::Route sink, const std::string& consumer,
                 uint64_t sequence);
  uint64_t Cursor(riskflow::v1::Route sink, const std::string& consumer);
  riskflow::v1::SubscribeRequest last_request() {
    absl::MutexLock lock(&mu_);
    return last_request_;
  }

 private:
  absl::Mutex mu_;
  std::map<int, std::vector<riskflow::v1::Decision>> outboxes_
      ABSL_GUARDED_BY(mu_);
  std::map<std::pair<int, std::string>, uint64_t> cursors_ ABSL_GUARDED_BY(mu_);
  riskflow::v1::SubscribeRequest last_request_ ABSL_GUARDED_BY(mu_);
};

// Answers with whatever the test stored.
class FakeAdmin final : public riskflow::v1::Admin::Service {
 public:
  grpc::Status GetHealth(grpc::ServerContext*,
                         const riskflow::v1::GetHealthRequest*,
                         riskflow::v1::Health* response) override;
  grpc::Status GetPipeline(grpc::ServerContext*,
                           const riskflow::v1::GetPipelineRequest*,
                           riskflow::v1::PipelineInfo* response) override;
  grpc::Status ListPlugins(
      grpc::ServerContext*, const riskflow::v1::ListPluginsRequest*,
      riskflow::v1::ListPluginsResponse* response) override;

  riskflow::v1::Health health;
  riskflow::v1::PipelineInfo pipeline;
  riskflow::v1::ListPluginsResponse plugins;
  grpc::Status status = grpc::Status::OK;  // returned by every call
};

class FakeDaemon {
 public:
  // Listens on 127.0.0.1 at a port the OS picks.
  FakeDaemon();
  ~FakeDaemon();

  std::string target() const { return target_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  FakeIngest ingest;
  FakeSinks sinks;
  FakeAdmin admin;

 private:
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace riskflow::cli::testing

#endif  // RISKFLOW_TOOLS_RISKFLOW_FAKE_DAEMON_H_
