#ifndef RISKFLOW_PIPELINE_ENGINE_ENGINE_H_
#define RISKFLOW_PIPELINE_ENGINE_ENGINE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pipeline/engine/decision_waiters.h"
#include "pipeline/engine/shard.h"
#include "pipeline/log/event_log.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/router/router.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/store.h"

namespace riskflow::engine {

struct EngineOptions {
  // 0: one shard per core.
  uint32_t shards = 0;
  size_t queue_capacity_per_shard = 1 << 16;
  size_t max_cached_entities_per_shard = 1 << 20;
  // Engine commits need no fsync: what they hold can be recomputed from
  // the synced event log (see docs/architecture.md, "Durability").
  bool sync_commits = false;
};

// The dataflow engine: partitions logged events by account into shards,
// runs the pipeline and commits decisions and state in micro-batches.
class Engine {
 public:
  static absl::StatusOr<std::unique_ptr<Engine>> Create(
      state::Store* store, plugin_host::Pipeline* pipeline,
      sinks::Outbox* outbox, const EngineOptions& options);
  ~Engine();

  void Start();

  // Re-processes every logged event no shard committed (after a crash or a
  // change of shard count) and waits until it is done. Call after Start and
  // before the log accepts new events. Keeps `log` to rebuild unstored
  // PASS decisions in LookupDecision.
  absl::Status Recover(log::EventLog* log);

  // The log's dispatcher: called in sequence order; blocks while the target
  // shards' queues are full.
  void Dispatch(std::vector<log::LoggedEvent> events);

  // Drains every queue, commits and joins the shards.
  void Stop();

  // The decision for a sequence once committed, or DEADLINE_EXCEEDED.
  absl::StatusOr<riskflow::v1::Decision> AwaitDecision(uint64_t sequence,
                                                       absl::Time deadline);
  absl::StatusOr<std::optional<riskflow::v1::Decision>> LookupDecision(
      uint64_t sequence);

  // Every event with sequence <= this has a committed decision.
  uint64_t processed_sequence() const;
  uint64_t events_processed() const;
  uint32_t shard_count() const { return static_cast<uint32_t>(shards_.size()); }
  const plugin_host::Pipeline& pipeline() const { return *pipeline_; }

  // Sets the store's expiry clock to the slowest shard's watermark.
  void UpdateExpiryClock();

 private:
  Engine() = default;
  absl::Status WaitUntilProcessed(uint64_t sequence, absl::Duration timeout);

  state::Store* store_ = nullptr;
  plugin_host::Pipeline* pipeline_ = nullptr;
  sinks::Outbox* outbox_ = nullptr;
  std::unique_ptr<router::Router> router_;
  DecisionWaiters waiters_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> dispatched_{0};
  log::EventLog* log_ = nullptr;
  bool stopped_ = false;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_ENGINE_H_
