#include "tests/test_daemon.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "pipeline/config/default_pipeline.h"
#include "pipeline/config/pipeline_yaml.h"
#include "pipeline/plugin_host/plugin_loader.h"
#include "tests/temp_dir.h"

namespace riskflow::e2e {

absl::StatusOr<std::unique_ptr<TestDaemon>> TestDaemon::Start(
    TestDaemonOptions options) {
  std::unique_ptr<TestDaemon> d(new TestDaemon());
  absl::StatusOr<riskflow::v1::PipelineConfig> pipeline =
      config::ParsePipelineYaml(options.pipeline_yaml.empty()
                                    ? config::DefaultPipelineYaml()
                                    : options.pipeline_yaml);
  if (!pipeline.ok()) return pipeline.status();
  d->options_.listen_address = "127.0.0.1:0";
  d->options_.data_dir = MakeTempDir("riskflow-e2e");
  if (d->options_.data_dir.empty()) {
    return absl::InternalError("mkdtemp failed under testing::TempDir()");
  }
  d->options_.pipeline = *std::move(pipeline);
  if (!options.pipeline_yaml.empty()) d->options_.pipeline_source = "<test>";
  d->options_.plugin_search_path = plugin_host::DefaultPluginSearchPath();
  d->options_.shards = options.shards;
  d->options_.max_pending_events = options.max_pending_events;
  d->options_.shard_queue_events = options.shard_queue_events;
  d->options_.ingest_limits = options.ingest_limits;
  if (!options.shadow_pipeline_yaml.empty()) {
    auto shadow = config::ParsePipelineYaml(options.shadow_pipeline_yaml);
    if (!shadow.ok()) return shadow.status();
    d->options_.shadow = true;
    d->options_.shadow_pipeline = *std::move(shadow);
  }
  if (absl::Status s = d->StartDaemon(); !s.ok()) return s;
  return d;
}

TestDaemon::~TestDaemon() { Shutdown(); }

absl::Status TestDaemon::StartDaemon() {
  absl::StatusOr<std::unique_ptr<riskflow::server::Daemon>> daemon =
      riskflow::server::Daemon::Start(options_);
  if (!daemon.ok()) return daemon.status();
  daemon_ = *std::move(daemon);
  clients_ = std::make_unique<Clients>(MakeChannel(daemon_->port()));
  if (!clients_->channel->WaitForConnected(
          absl::ToChronoTime(absl::Now() + kRpcTimeout))) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the daemon on ", daemon_->address()));
  }
  return absl::OkStatus();
}

absl::Status TestDaemon::Restart() {
  Shutdown();
  return StartDaemon();
}

void TestDaemon::Shutdown() {
  // Stubs first: nothing may talk to a daemon that is going away.
  clients_.reset();
  if (daemon_ != nullptr) daemon_->Shutdown();
  daemon_.reset();
}

int TestDaemon::port() const {
  return daemon_ == nullptr ? 0 : daemon_->port();
}

grpc::Status TestDaemon::Publish(
    const std::vector<riskflow::v1::PublishRequest>& batches,
    std::vector<riskflow::v1::PublishAck>* acks) {
  return PublishBatches(ingest(), batches, acks);
}

absl::StatusOr<riskflow::v1::PublishAck> TestDaemon::PublishOne(
    uint64_t batch_id, std::vector<riskflow::v1::Event> events) {
  std::vector<riskflow::v1::PublishAck> acks;
  grpc::Status s = Publish({Batch(batch_id, std::move(events))}, &acks);
  if (!s.ok()) return FromGrpc(s);
  if (acks.size() != 1) {
    return absl::InternalError(
        absl::StrCat("expected 1 ack, got ", acks.size()));
  }
  return acks[0];
}

absl::Status TestDaemon::WaitProcessed(absl::Duration timeout) {
  return e2e::WaitProcessed(admin(), timeout);
}

absl::StatusOr<std::vector<riskflow::v1::Decision>> TestDaemon::ReadSink(
    riskflow::v1::Route sink, uint64_t after) {
  return e2e::ReadSink(sinks(), sink, after);
}

grpc::Status TestDaemon::Evaluate(const riskflow::v1::Event& event,
                                  riskflow::v1::EvaluateResponse* response,
                                  absl::Duration deadline) {
  return e2e::Evaluate(ingest(), event, deadline, response);
}

absl::StatusOr<riskflow::v1::Health> TestDaemon::Health() {
  return GetHealth(admin());
}

absl::StatusOr<riskflow::v1::PipelineInfo> TestDaemon::Pipeline() {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
  riskflow::v1::PipelineInfo info;
  grpc::Status s =
      admin()->GetPipeline(&context, riskflow::v1::GetPipelineRequest(), &info);
  if (!s.ok()) return FromGrpc(s);
  return info;
}

absl::StatusOr<riskflow::v1::ListPluginsResponse> TestDaemon::Plugins() {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
  riskflow::v1::ListPluginsResponse plugins;
  grpc::Status s = admin()->ListPlugins(
      &context, riskflow::v1::ListPluginsRequest(), &plugins);
  if (!s.ok()) return FromGrpc(s);
  return plugins;
}

}  // namespace riskflow::e2e
