#ifndef RISKFLOW_PIPELINE_SERVER_SHADOW_H_
#define RISKFLOW_PIPELINE_SERVER_SHADOW_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/common/logger.h"
#include "pipeline/engine/engine.h"
#include "pipeline/lists/list_store.h"
#include "pipeline/log/event_log.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/storage/store.h"
#include "proto/riskflow/v1/admin.pb.h"

namespace riskflow::server {

// A challenger pipeline on live traffic. It has its own store (state and
// decisions under <data_dir>/shadow) and follows the durable event log on
// its own thread, so it never slows ingest or the live engine and never
// writes to a sink. A new shadow starts at the log's end; after a restart
// it resumes where it stopped.
class Shadow {
 public:
  static absl::StatusOr<std::unique_ptr<Shadow>> Start(
      const riskflow::v1::PipelineConfig& config,
      const plugin_host::PluginPolicy& plugin_policy,
      const std::string& dir, uint32_t shards, log::EventLog* log,
      const lists::ListStore* lists);
  ~Shadow();

  void Stop();

  // Compares live and shadow decisions over a sequence range.
  absl::StatusOr<riskflow::v1::ShadowReport> Report(
      engine::Engine* live, const riskflow::v1::GetShadowReportRequest& r);

  engine::Engine* engine() { return engine_.get(); }

 private:
  Shadow() = default;
  void Follow();
  // The log sequence the shadow started after, recorded at its first start.
  absl::Status LoadOrRecordStart(uint64_t log_end);

  log::EventLog* log_ = nullptr;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sinks::Outbox> outbox_;
  std::unique_ptr<engine::Engine> engine_;
  uint64_t cursor_ = 0;  // last sequence handed to the shadow engine
  uint64_t started_after_ = 0;
  absl::Mutex mu_;
  // A failing log read is retried every second: log it at most this often.
  logging::RateLimiter read_errors_{1, absl::Minutes(1)};
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread follower_;
};

}  // namespace riskflow::server

#endif  // RISKFLOW_PIPELINE_SERVER_SHADOW_H_
