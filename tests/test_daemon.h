// A real riskflow daemon in the test process: the Daemon library on
// 127.0.0.1:0 with its own temp data dir, a channel and stubs to it, and
// the helpers the end-to-end tests share.
#ifndef RISKFLOW_TESTS_TEST_DAEMON_H_
#define RISKFLOW_TESTS_TEST_DAEMON_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pipeline/server/daemon.h"
#include "proto/riskflow/v1/admin.pb.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "proto/riskflow/v1/ingest.pb.h"
#include "tests/events.h"
#include "tests/rpc_client.h"

namespace riskflow::e2e {

struct TestDaemonOptions {
  // Pipeline YAML; empty runs the embedded default pipeline.
  std::string pipeline_yaml;
  // Overrides the pipeline's shard count when > 0.
  uint32_t shards = 0;
  // A challenger pipeline run in shadow mode, when not empty.
  std::string shadow_pipeline_yaml;
  // Queue bounds (0 = defaults); see DaemonOptions.
  size_t max_pending_events = 0;
  size_t shard_queue_events = 0;
  // Input-validation bounds; see DaemonOptions.
  riskflow::log::IngestLimits ingest_limits;
};

class TestDaemon {
 public:
  static absl::StatusOr<std::unique_ptr<TestDaemon>> Start(
      TestDaemonOptions options = {});
  ~TestDaemon();

  // Shutdown, then Start again on the same data dir (a new port and new
  // stubs).
  absl::Status Restart();
  void Shutdown();

  // One bidi Publish stream carrying `batches`; the acks in order.
  grpc::Status Publish(const std::vector<riskflow::v1::PublishRequest>& batches,
                       std::vector<riskflow::v1::PublishAck>* acks);
  // One batch on its own stream; an error unless exactly one ack came back.
  absl::StatusOr<riskflow::v1::PublishAck> PublishOne(
      uint64_t batch_id, std::vector<riskflow::v1::Event> events);

  absl::Status WaitProcessed(absl::Duration timeout = absl::Seconds(120));
  absl::StatusOr<std::vector<riskflow::v1::Decision>> ReadSink(
      riskflow::v1::Route sink, uint64_t after = 0);
  grpc::Status Evaluate(const riskflow::v1::Event& event,
                        riskflow::v1::EvaluateResponse* response,
                        absl::Duration deadline = absl::Seconds(30));
  absl::StatusOr<riskflow::v1::Health> Health();
  absl::StatusOr<riskflow::v1::PipelineInfo> Pipeline();
  absl::StatusOr<riskflow::v1::ListPluginsResponse> Plugins();

  Clients& clients() { return *clients_; }
  riskflow::v1::Ingest::Stub* ingest() { return clients_->ingest.get(); }
  riskflow::v1::Sinks::Stub* sinks() { return clients_->sinks.get(); }
  riskflow::v1::Admin::Stub* admin() { return clients_->admin.get(); }
  std::shared_ptr<grpc::Channel> channel() { return clients_->channel; }
  const std::string& data_dir() const { return options_.data_dir; }
  int port() const;

 private:
  TestDaemon() = default;
  absl::Status StartDaemon();

  riskflow::server::DaemonOptions options_;
  std::unique_ptr<riskflow::server::Daemon> daemon_;
  std::unique_ptr<Clients> clients_;
};

}  // namespace riskflow::e2e

#endif  // RISKFLOW_TESTS_TEST_DAEMON_H_
