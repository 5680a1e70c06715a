#ifndef RISKFLOW_PIPELINE_ENGINE_ENGINE_H_
#define RISKFLOW_PIPELINE_ENGINE_ENGINE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pipeline/engine/decision_waiters.h"
#include "pipeline/engine/fault_guard.h"
#include "pipeline/engine/shard.h"
#include "pipeline/engine/version_history.h"
#include "pipeline/log/event_log.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/router/router.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/store.h"

namespace riskflow::engine {

struct EngineOptions {
  // 0: one shard per core.
  uint32_t shards = 0;
  // Short in time (a few micro-batches), so a backlog waits in the event
  // log's lanes, where an Evaluate passes it, rather than in front of the
  // Evaluate's event inside a shard (docs/evaluate-lane.md).
  size_t queue_capacity_per_shard = 4096;
  size_t max_cached_entities_per_shard = 1 << 20;
  // Engine commits need no fsync: what they hold can be recomputed from
  // the synced event log (see docs/architecture.md, "Durability").
  bool sync_commits = false;
  // Sees every committed micro-batch's decisions (in sequence order within
  // a shard), on that shard's thread, after the commit. Replay writes its
  // output from here; shadow mode its shadow log.
  std::function<void(uint32_t shard,
                     const std::vector<riskflow::v1::Decision>& decisions)>
      decision_observer;
  // False for replay and shadow engines: decisions never reach sink
  // outboxes.
  bool write_outboxes = true;
  // False for replay: its decisions leave through the observer and are
  // never looked up, so they need not be stored.
  bool store_decisions = true;
  // True for the daemon: every micro-batch commits its state changes with
  // its progress, so a restart resumes where the last batch ended. False for
  // replay, whose scratch store is rebuilt from the input on every run:
  // state stays in the shard caches and reaches the store only when a cache
  // holds too many changed entities (and at Stop) — by then most of it is
  // behind the visibility horizon and is never written at all (see
  // state::ShardState, "Visibility"). Decisions still leave per micro-batch.
  bool commit_every_batch = true;
  // Where a store without recorded progress starts: events up to this
  // sequence are treated as already decided (a new shadow engine starts at
  // the log's end rather than re-deciding history).
  uint64_t start_after_sequence = 0;
  // Crash containment (docs/plugin-faults.md): when set, each shard keeps a
  // crash marker in this directory (<crash_dir>/<crash_marker_prefix>-<k>)
  // and quarantines persist in the store. Empty for replay.
  std::string crash_dir;
  std::string crash_marker_prefix = "engine";
};

// The dataflow engine: partitions logged events by account into shards,
// runs the pipeline and commits decisions and state in micro-batches.
class Engine {
 public:
  static absl::StatusOr<std::unique_ptr<Engine>> Create(
      state::Store* store, std::shared_ptr<plugin_host::Pipeline> pipeline,
      sinks::Outbox* outbox, const lists::ListStore* lists,
      const EngineOptions& options);
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

  // Hot reload: every shard switches to `next` at the same log position,
  // between micro-batches, after deciding everything dispatched so far with
  // the current version. State carries over wherever detector and state
  // names are unchanged (state keys are derived from them). Returns the
  // last sequence decided by the old version once every shard runs the new
  // one. Refuses (and keeps running the current version) when `next`
  // changes what cannot change at run time (shard count, lateness) or a
  // detector refuses to start.
  absl::StatusOr<uint64_t> Reload(std::shared_ptr<plugin_host::Pipeline> next);
  // What Reload refuses before creating anything: a change of what cannot
  // change at run time. Dry runs check it too.
  absl::Status CheckReloadable(const plugin_host::Pipeline& next) const;

  // The decision for a sequence once committed, or DEADLINE_EXCEEDED.
  absl::StatusOr<riskflow::v1::Decision> AwaitDecision(uint64_t sequence,
                                                       absl::Time deadline);
  absl::StatusOr<std::optional<riskflow::v1::Decision>> LookupDecision(
      uint64_t sequence);

  // Every event with sequence <= this has a decision (committed, unless
  // commit_every_batch is off).
  uint64_t processed_sequence() const;
  uint64_t events_processed() const;
  uint32_t shard_count() const { return static_cast<uint32_t>(shards_.size()); }
  // The newest pipeline version (what every shard runs once Reload
  // returned).
  std::shared_ptr<const plugin_host::Pipeline> pipeline() const;

  // Calls fn for every shard (metrics: queue depth, progress).
  void VisitShards(
      const std::function<void(uint32_t index, const Shard& shard)>& fn) const;

  // Sets the store's expiry clock to the slowest shard's watermark.
  void UpdateExpiryClock();

  // Crash markers and quarantine; null without EngineOptions::crash_dir.
  FaultGuard* fault_guard() { return faults_.get(); }

 private:
  Engine() = default;
  absl::Status WaitUntilProcessed(uint64_t sequence, absl::Duration timeout);
  // `recovered`: re-dispatched by Recover (see ShardItem::recovered).
  void Dispatch(std::vector<log::LoggedEvent> events, bool recovered);

  absl::StatusOr<std::unique_ptr<ShardPipeline>> MakeShardPipeline(
      const std::shared_ptr<plugin_host::Pipeline>& pipeline, Shard* shard);

  state::Store* store_ = nullptr;
  sinks::Outbox* outbox_ = nullptr;
  DecisionWaiters waiters_;
  VersionHistory versions_;
  // Serializes dispatch with pipeline swaps, so a swap marker sits at one
  // log position in every shard's queue.
  absl::Mutex dispatch_mu_;
  absl::Mutex reload_mu_;  // one reload at a time
  mutable absl::Mutex pipeline_mu_;
  std::shared_ptr<plugin_host::Pipeline> pipeline_ ABSL_GUARDED_BY(pipeline_mu_);
  std::unique_ptr<FaultGuard> faults_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> dispatched_{0};
  uint64_t start_after_sequence_ = 0;
  log::EventLog* log_ = nullptr;
  bool stopped_ = false;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_ENGINE_H_
