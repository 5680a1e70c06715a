#ifndef RISKFLOW_PIPELINE_ENGINE_ENGINE_H_
#define RISKFLOW_PIPELINE_ENGINE_ENGINE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pipeline/engine/decision_waiters.h"
#include "pipeline/engine/fault_guard.h"
#include "pipeline/engine/shard.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/engine/stage_plan.h"
#include "pipeline/engine/state_cache_defaults.h"
#include "pipeline/engine/version_history.h"
#include "pipeline/log/event_log.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/router/router.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/stored_key_filter.h"
#include "pipeline/state/stored_key_scan.h"
#include "pipeline/storage/store.h"

namespace riskflow::engine {

struct EngineOptions {
  // 0: one shard per core.
  uint32_t shards = 0;
  // Short in time (a few micro-batches), so a backlog waits in the event
  // log's lanes, where an Evaluate passes it, rather than in front of the
  // Evaluate's event inside a shard (docs/evaluate-lane.md).
  size_t queue_capacity_per_shard = 4096;
  // The state cache is bounded by bytes (the next field); this count of
  // (state, entity) pairs is only a backstop. A count cannot mean the same
  // memory for every pipeline: an account costs ~460 B with the default
  // pipeline and ~3.8 KB with all detectors (docs/state-memory.md), and a
  // cache too small for the active accounts reloads them from RocksDB on
  // every touch (docs/benchmarks.md, "The state cache sized by bytes").
  size_t max_cached_entities_per_shard = 1 << 23;
  // Bounds each shard's state cache by bytes (ShardState::SetMemoryBudget;
  // docs/state-memory.md); 0: no byte bound.
  size_t state_memory_bytes_per_shard = kDefaultStateMemoryBytesPerShard;
  // The stored-key filter that lets a shard skip the store read of state
  // never written (docs/state-memory.md, "Never-stored state is not
  // read"); 0: off, every cache miss reads.
  size_t stored_key_filter_bytes = kDefaultStoredKeyFilterBytes;
  // Engine commits need no fsync: what they hold can be recomputed from
  // the synced event log (see docs/architecture.md, "Durability").
  bool sync_commits = false;
  // Observes each shard commit's duration in microseconds, retries
  // included (riskflowd's riskflow_shard_commit_microseconds), or null.
  metrics::Histogram* commit_micros = nullptr;
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
  // When shards write their state (checkpoint_policy.h). The daemon
  // checkpoints every 10 s / 1M events; replay only when a cache fills
  // (CheckpointPolicy::WhenCacheFills), since its scratch store is rebuilt
  // from the input on every run. Decisions leave per micro-batch either way.
  CheckpointPolicy checkpoint;
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
      storage::Store* store, std::shared_ptr<plugin_host::Pipeline> pipeline,
      sinks::Outbox* outbox, const lists::ListStore* lists,
      const EngineOptions& options);
  ~Engine();

  void Start();

  // Re-processes every logged event after the shards' checkpoints (after a
  // crash or a change of shard count) and waits until it is done and
  // checkpointed. Call after Start and before the log accepts new events.
  // Keeps `log` to rebuild unstored PASS decisions in LookupDecision.
  absl::Status Recover(log::EventLog* log);

  // Recover without the wait: prepares synchronously, then re-processes in
  // the background while the log may already accept new events (they are
  // acknowledged as soon as they are durable; the background catch-up reads
  // them from the log until it reaches the live dispatch, which takes over
  // from there). Evaluate calls wait until the catch-up reaches their
  // event. WaitRecovered returns the catch-up's outcome.
  absl::Status StartRecovery(log::EventLog* log);
  absl::Status WaitRecovered();
  bool recovering() const { return recovering_.load(); }

  // The log's dispatcher: called in sequence order; blocks while the target
  // shards' queues are full.
  void Dispatch(std::vector<log::LoggedEvent> events);
  // A group of Evaluates only (the authorization path on a quiet daemon)
  // wakes only the shards that decide them; the others' progress markers
  // wait for this call (the log writer's on_idle) or the next group.
  void FlushDeferredMarkers();

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
  // The same for an event this caller has just logged (not a duplicate),
  // so its account is known: while the account's shard has not processed
  // the sequence, the decision cannot be committed yet and the wait skips
  // the store look-up (a log read and a decision-store read on the
  // Evaluate path, competing with the shard deciding it).
  absl::StatusOr<riskflow::v1::Decision> AwaitFreshDecision(
      uint64_t sequence, std::string_view account_id, absl::Time deadline);
  // Callback forms of the two above, for the callback Evaluate: `done`
  // runs once, maybe on this thread, maybe on a shard thread
  // (DecisionWaiters::WaitAsync); the token (0: done already ran) ends the
  // wait early with CancelDecisionWait. No deadline: the caller keeps it.
  uint64_t AwaitDecisionAsync(uint64_t sequence, DecisionWaiters::Done done);
  uint64_t AwaitFreshDecisionAsync(uint64_t sequence,
                                   std::string_view account_id,
                                   DecisionWaiters::Done done);
  // True when the wait was still pending: its `done` will never run.
  bool CancelDecisionWait(uint64_t sequence, uint64_t token);
  absl::StatusOr<std::optional<riskflow::v1::Decision>> LookupDecision(
      uint64_t sequence);

  // Every event with sequence <= this has a decision.
  uint64_t processed_sequence() const;
  // Every event with sequence <= this is in a checkpoint.
  uint64_t checkpointed_sequence() const;
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

  // The stored-key filter shared by the shards; null when off
  // (EngineOptions::stored_key_filter_bytes = 0).
  const state::StoredKeyFilter* stored_key_filter() const {
    return stored_keys_.get();
  }

  // Crash markers and quarantine; null without EngineOptions::crash_dir.
  FaultGuard* fault_guard() { return faults_.get(); }

 private:
  Engine() = default;
  absl::Status WaitUntilProcessed(uint64_t sequence, absl::Duration timeout);
  // The look-up of a fresh event's decision (see AwaitFreshDecision).
  DecisionWaiters::Lookup FreshDecisionLookup(uint64_t sequence,
                                              std::string_view account_id);
  // `recovered_through`: events up to it are re-dispatched by the recovery
  // (see ShardItem::recovered).
  // `recovery`: what the store says is done, for keyed stages (null live).
  // `stored`: for a recovery, per event (same index), whether a decision
  // is stored for it (ShardItem::stored_decision); may be null.
  void DispatchLocked(std::vector<log::LoggedEvent> events,
                      uint64_t recovered_through,
                      const ShardLayouts* recovery = nullptr,
                      const std::vector<int8_t>* stored = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(dispatch_mu_);
  // The partition keys of the version the next dispatched event runs with
  // (docs/keyed-stages.md).
  absl::Status SetStageLayout(const plugin_host::Pipeline& pipeline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(dispatch_mu_);
  // The background part of StartRecovery.
  absl::Status CatchUp(ShardLayouts layouts);
  // Enqueues a checkpoint marker in every shard and waits until every
  // shard has checkpointed through `sequence`.
  absl::Status CheckpointAll(uint64_t sequence, absl::Duration timeout);

  absl::StatusOr<std::unique_ptr<ShardPipeline>> MakeShardPipeline(
      const std::shared_ptr<plugin_host::Pipeline>& pipeline, Shard* shard);

  storage::Store* store_ = nullptr;
  sinks::Outbox* outbox_ = nullptr;
  DecisionWaiters waiters_;
  // Shared by the shards (declared before them, so it outlives them).
  router::HeldAccountsFilter held_filter_;
  // The same (null when off); the scan that fills it at open is declared
  // after it, so it stops first.
  std::unique_ptr<state::StoredKeyFilter> stored_keys_;
  std::unique_ptr<state::StoredKeyScan> stored_key_scan_;
  VersionHistory versions_;
  // Serializes dispatch with pipeline swaps, so a swap marker sits at one
  // log position in every shard's queue.
  absl::Mutex dispatch_mu_;
  absl::Mutex reload_mu_;  // one reload at a time
  mutable absl::Mutex pipeline_mu_;
  std::shared_ptr<plugin_host::Pipeline> pipeline_ ABSL_GUARDED_BY(pipeline_mu_);
  std::unique_ptr<FaultGuard> faults_;
  std::vector<std::unique_ptr<Shard>> shards_;
  // Keyed stages: mailboxes and progress shared by the shards.
  std::unique_ptr<StageLinks> stages_;
  std::shared_ptr<const StageLayout> stage_layout_
      ABSL_GUARDED_BY(dispatch_mu_);
  std::atomic<uint64_t> dispatched_{0};
  // The marker some shards have not had yet (FlushDeferredMarkers).
  std::atomic<bool> markers_deferred_{false};
  uint64_t deferred_through_ ABSL_GUARDED_BY(dispatch_mu_) = 0;
  int64_t deferred_watermark_ ABSL_GUARDED_BY(dispatch_mu_) = 0;
  // While the recovery catches up, the live dispatch only notes how far the
  // log has got (the catch-up reads those events from the log).
  bool catching_up_ ABSL_GUARDED_BY(dispatch_mu_) = false;
  uint64_t live_seen_through_ ABSL_GUARDED_BY(dispatch_mu_) = 0;
  std::atomic<bool> recovering_{false};
  // Shards see it (ShardContext::catching_up): set while the recovery
  // re-runs the log tail, cleared once every shard has decided it.
  std::atomic<bool> shards_catching_up_{false};
  std::thread recovery_thread_;
  absl::Status recovery_status_;  // set by recovery_thread_ before it ends
  uint64_t start_after_sequence_ = 0;
  log::EventLog* log_ = nullptr;
  std::atomic<bool> stopped_{false};
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_ENGINE_H_
