#ifndef RISKFLOW_PIPELINE_ENGINE_SHARD_H_
#define RISKFLOW_PIPELINE_ENGINE_SHARD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "pipeline/common/logger.h"
#include "pipeline/engine/batch_commit.h"
#include "pipeline/engine/bounded_queue.h"
#include "pipeline/engine/checkpoint_policy.h"
#include "pipeline/engine/checkpoint_writer.h"
#include "pipeline/engine/decision_waiters.h"
#include "pipeline/engine/stage_mailbox.h"
#include "pipeline/lists/list_store.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/metrics/metrics.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/shard_detectors.h"
#include "pipeline/router/account_holds.h"
#include "pipeline/router/freeze_cap.h"
#include "pipeline/router/router.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/storage/store.h"

namespace riskflow::engine {

// What a shard needs to run one pipeline version.
struct ShardPipeline {
  std::shared_ptr<plugin_host::Pipeline> pipeline;
  std::shared_ptr<const router::Router> router;
  std::unique_ptr<plugin_host::ShardDetectors> detectors;
};

// A queue entry: an event; or (sequence 0) a marker saying every event up
// to `through` that belongs to this shard has been queued before it; or a
// marker that also carries the next pipeline version, to take over from
// the next event on (the same log position in every shard).
struct ShardItem {
  uint64_t through = 0;
  log::LoggedEvent event;
  std::shared_ptr<ShardPipeline> swap;
  // Re-dispatched by Engine::Recover: the shard first checks whether a
  // decision is stored for it. Decisions run ahead of checkpoints, so such
  // an event is re-run for its state only: its decision and sink entries
  // exist, and nothing reaches a sink twice. Live events skip the check:
  // they cannot have been decided before.
  bool recovered = false;
  // For a recovered item: whether a decision is stored for it, as the
  // catch-up read it in one scan (StoredDecisionCursor); -1: unknown, the
  // shard looks it up.
  int8_t stored_decision = -1;
  // A marker that makes the shard write a checkpoint once it has processed
  // everything queued before it (end of recovery).
  bool checkpoint = false;

  // Keyed stages (docs/keyed-stages.md; stage_plan.h); all zero for a
  // pipeline whose detectors are all keyed by account. Slot i is bit i.
  // A decision item (stage_slots == 0): the detectors in remote_slots do
  // not run here; their annotations come in `partials` partials through
  // this shard's mailbox (a remote slot without a partial had none).
  uint64_t remote_slots = 0;
  uint32_t partials = 0;
  // A stage item: runs only these detectors, then (post_partial) hands
  // their annotations to shard `home`, which decides the event.
  uint64_t stage_slots = 0;
  uint32_t home = 0;
  bool post_partial = false;
};

// What the shards of one engine share for keyed stages.
struct StageLinks {
  // Index = home shard.
  std::vector<std::unique_ptr<StageMailbox>> mailboxes;
  // Engine::processed_sequence: a shard running keyed stages writes a
  // checkpoint at T only once every event <= T is decided engine-wide.
  std::function<uint64_t()> processed_sequence;
  // Set before the first keyed pipeline version is dispatched; never
  // cleared (a later version's checkpoints still hold earlier stages'
  // effects).
  std::atomic<bool> keyed{false};
  // A shard gave up (a commit abandoned at shutdown): nobody may wait for
  // it any more.
  std::atomic<bool> failed{false};
  void Fail() {
    failed.store(true);
    for (auto& m : mailboxes) m->Close();
  }
};

struct ShardContext {
  storage::Store* store;
  sinks::Outbox* outbox;
  DecisionWaiters* waiters;
  // Allow / block lists; may be null.
  const lists::ListStore* lists;
  uint32_t shard_count;
  size_t queue_capacity;
  size_t max_batch_events;
  size_t max_cached_entities;
  size_t state_memory_bytes = 0;  // 0: no byte bound
  // Engine-wide: accounts that may be held (held_accounts_filter.h).
  router::HeldAccountsFilter* held_filter = nullptr;
  // Engine-wide: what the state store may hold (stored_key_filter.h); null:
  // every cache miss reads.
  state::StoredKeyFilter* stored_keys = nullptr;
  int64_t allowed_lateness_ms;
  bool sync_commits;
  metrics::Histogram* commit_micros = nullptr;  // see EngineOptions
  // Called after each commit (on the shard thread).
  std::function<void()> on_committed;
  // See EngineOptions.
  std::function<void(uint32_t shard,
                     const std::vector<riskflow::v1::Decision>& decisions)>
      decision_observer;
  bool write_outboxes = true;
  bool store_decisions = true;
  CheckpointPolicy checkpoint;
  // Shared by every shard of the engine; never null in an engine.
  StageLinks* stages = nullptr;
  // Set by the engine while a recovery re-runs the log tail
  // (docs/recovery.md, "Catch-up speed"): the shard then checkpoints only
  // when its cache fills (CheckpointPolicy::WhenCacheFills; the catch-up
  // ends with one checkpoint). May be null.
  const std::atomic<bool>* catching_up = nullptr;
};

// The fields of a decision that depend only on the logged event.
void FillDecisionHeader(const log::LoggedEvent& e,
                        const std::string& pipeline_version,
                        riskflow::v1::Decision* d);

// One single-threaded partition of the engine: runs the detectors over its
// accounts' events in log order, writes each micro-batch's decisions and
// sink entries, and checkpoints its state with its offset when the policy
// says so — all through BatchCommit.
class Shard {
 public:
  Shard(uint32_t index, const ShardContext& ctx);
  ~Shard();

  state::ShardState* state() { return state_.get(); }
  // The state cache's store reads, done and skipped (any thread: metrics).
  state::ShardState::StoreReads state_store_reads() const {
    return state_->store_reads();
  }
  // Written around every detector call (docs/plugin-faults.md); may be
  // null. Set before Start.
  void set_crash_marker(plugin_host::CrashMarker* m) { crash_marker_ = m; }
  plugin_host::CrashMarker* crash_marker() const { return crash_marker_; }
  // The first pipeline version; later ones arrive through the queue.
  void SetPipeline(std::unique_ptr<ShardPipeline> first);
  void Start();
  // Blocks while the queue is full (backpressure).
  void Enqueue(std::vector<ShardItem>&& items);
  // Finishes the queue, writes a last checkpoint, stops the thread. A write
  // that keeps failing is given up after a few attempts once stopping (see
  // BatchCommit::WriteWithRetry).
  void Stop();
  // Stop without the join: lets every shard drain at once (a shard's last
  // checkpoint may wait for the others' progress).
  void BeginStop();
  // Before any event is queued (recovery): every event of this shard up to
  // `offset` is decided; progress starts there and never reports less.
  void ResumeAfter(uint64_t offset);
  // Recovered events found with a stored decision: re-run for their state,
  // not published again.
  uint64_t recovered_already_decided() const {
    return already_decided_.load();
  }
  // A commit was given up at shutdown: nothing after it was committed.
  bool commit_abandoned() const { return abandoned_.load(); }

  // Every event of this shard with sequence <= this is decided: its
  // decision is written (where decisions are stored) and has reached the
  // observer; its state is in the cache.
  uint64_t processed_through() const { return through_.load(); }
  // Every event of this shard with sequence <= this is in the last
  // checkpoint (state written with the offset).
  uint64_t checkpointed_through() const { return checkpointed_.load(); }
  uint64_t events_processed() const { return events_.load(); }
  // Items waiting in this shard's queue (metrics).
  size_t queue_depth() const { return queue_.size(); }
  // Log watermark at the last checkpoint: state older than the engine-wide
  // minimum may expire in the store (a re-run of the log after a
  // checkpoint must still find what that checkpoint's events could see).
  int64_t checkpointed_watermark() const {
    return checkpoint_watermark_.load();
  }
  // Sliced checkpoints (tests, metrics): events decided while a
  // checkpoint was pending, i.e. between its slices.
  uint64_t events_between_slices() const {
    return events_between_slices_.load();
  }
  uint64_t checkpoint_slices() const { return slices_.load(); }
  // Version hash of the pipeline this shard runs now.
  std::string active_version() const;

 private:
  void Loop();
  // Processes items up to (not including) the next pipeline swap, commits
  // them, then applies the swap; repeats until the items are used up.
  void ProcessItems(std::vector<ShardItem>& items);
  void ProcessAndCommit(std::vector<ShardItem>& items, size_t begin,
                        size_t end);
  void ApplySwap(std::shared_ptr<ShardPipeline> swap);
  // A decision to fill, appended to `whole`: a cleared one from
  // spare_decisions_ when there is one. RecycleDecisions clears a committed
  // micro-batch's whole decisions back into spare_decisions_ (and empties
  // `whole` and encoded_).
  riskflow::v1::Decision* NewDecision(
      std::vector<riskflow::v1::Decision>* whole);
  void RecycleDecisions(std::vector<riskflow::v1::Decision>* whole);
  // Whether the decision of `item` is kept whole after it is encoded:
  // only when someone reads it after the commit (the decision observer,
  // a waiting Evaluate). Publish reads the others back for a waiter that
  // came late (DecisionWaiters::Publish).
  bool KeepWhole(const ShardItem& item);
  void Decide(const ShardItem& item, const lists::ListSnapshot* lists,
              riskflow::v1::Decision* d);
  // Keyed stages: runs a stage item's detectors and posts the partial.
  // Before deciding items[i] of the micro-batch [begin, end): one prefetch
  // stage of the next events' account entities (prefetch_schedule.h), and
  // of the entities their detectors hinted.
  void PrefetchAhead(const std::vector<ShardItem>& items, size_t begin,
                     size_t i, size_t end);
  void RunStages(ShardItem& item);
  // Waits for a decision item's partials (into partial_). Before blocking,
  // commits the decided prefix of the micro-batch and reports progress up
  // to the event before it, which keeps checkpoint waits deadlock-free
  // (docs/keyed-stages.md). False when the shard must give up.
  bool AwaitPartials(const ShardItem& item,
                     std::vector<riskflow::v1::Decision>* whole,
                     uint64_t through);
  // Commits the decisions decided so far (encoded_; no checkpoint) and
  // publishes them (`whole`, the ones kept whole) and `through`.
  bool CommitDecisions(std::vector<riskflow::v1::Decision>* whole,
                       uint64_t through);
  // Keyed checkpoints: waits until every event <= through is decided
  // engine-wide. False when a shard failed (the checkpoint is skipped).
  bool AwaitEngineProgress(uint64_t through);
  // Gives up deciding (see Write): the next start re-runs from the last
  // checkpoint.
  void Abandon();
  // Whether this micro-batch ends with a checkpoint.
  bool CheckpointDue(bool forced, uint64_t through) const;
  // True once written; false only when the shard is stopping and the write
  // kept failing: the state cache is dropped (it may hold changes the store
  // never got) and the shard writes nothing more.
  bool Write(BatchCommit* commit);
  void NoteCheckpoint(uint64_t through, int64_t watermark);
  // Background checkpoints (checkpoint_writer.h): makes the dirty state
  // pending for a checkpoint at `through`; SerialiseSlice() serialises it
  // in bounded slices and hands it to writer_ once complete.
  void StartCheckpoint(uint64_t through, int64_t watermark);
  // One slice of the pending checkpoint, if any (between micro-batches and
  // while idle); submits it to writer_ once nothing is left. `all`: the
  // rest at once (a forced checkpoint, Stop).
  void SerialiseSlice(bool all);
  // A checkpoint is pending (being sliced) or being written.
  bool CheckpointInFlight() const {
    return state_->sliced_checkpoint_pending() ||
           (writer_ != nullptr && writer_->busy());
  }
  // Finishes the pending checkpoint, if any, then waits for the writer.
  // False after a background checkpoint write was given up (Abandon done).
  bool CheckpointWriterOk();
  // The FREEZE guard rail of the current pipeline version (freeze_cap.h).
  void ResetFreezeCap();
  // Moves the holds' index changes into `commit` (where decisions are
  // stored).
  void AddHoldChanges(BatchCommit* commit);
  // A held event's decision item: runs, for their state only, the keyed
  // stages that would have run in it (their key is on this shard).
  void RunHeldStages(const ShardItem& item);
  void ApplyFreezeCap(riskflow::v1::Decision* d);
  // Whether a recovered event already has a stored decision.
  bool AlreadyDecided(const ShardItem& item);
  // Whether the engine's recovery is re-running the log tail (see
  // ShardContext::catching_up).
  bool CatchingUp() const {
    return ctx_.catching_up != nullptr &&
           ctx_.catching_up->load(std::memory_order_relaxed);
  }

  const uint32_t index_;
  const ShardContext ctx_;
  std::unique_ptr<state::ShardState> state_;
  std::unique_ptr<ShardPipeline> current_;
  mutable absl::Mutex version_mu_;
  std::string active_version_ ABSL_GUARDED_BY(version_mu_);
  BoundedQueue<ShardItem> queue_;
  std::thread thread_;
  std::atomic<uint64_t> through_{0};
  std::atomic<uint64_t> events_{0};
  std::atomic<int64_t> watermark_{INT64_MIN};
  std::atomic<uint64_t> checkpointed_{0};
  std::atomic<int64_t> checkpoint_watermark_{INT64_MIN};
  absl::Time last_checkpoint_time_ = absl::Now();
  uint64_t events_since_checkpoint_ = 0;
  // The pending sliced checkpoint (state_->sliced_checkpoint_pending()).
  uint64_t pending_through_ = 0;
  int64_t pending_watermark_ = 0;
  absl::Duration pending_total_;      // sum of its slices so far
  absl::Duration pending_max_slice_;  // the longest shard-thread stall
  absl::Duration pending_max_slice_cpu_;  // the most CPU time of a slice
  uint64_t pending_slices_ = 0;
  uint64_t pending_cow_start_ = 0;
  // Slices put off in a row because an Evaluate's event was queued
  // (Shard::Loop); at kMaxSlicesPutOff the next one runs regardless.
  static constexpr int kMaxSlicesPutOff = 8;
  int slices_put_off_ = 0;
  std::atomic<uint64_t> events_between_slices_{0};
  std::atomic<uint64_t> slices_{0};
  CommitTarget commit_target_;
  std::unique_ptr<router::FreezeCap> freeze_cap_;
  // Account holds (docs/account-holds.md): independent of the pipeline
  // version, so they survive reloads.
  router::AccountHolds holds_;
  std::vector<size_t> capped_;  // scratch for ApplyFreezeCap
  plugin_host::StagePartial partial_;  // a decision item's remote stages
  // Entity hints (docs/state-memory.md, "Entity hints"): the derived
  // entities the detectors named for each event in the prefetch window,
  // asked when the event enters it (its stage 0) and prefetched kHintLag
  // stages behind its account. A ring by position in the micro-batch: the
  // window holds kPrefetchStages events, so slot j % kHintRing is free
  // again once event j - kHintRing is decided. Reused: no allocation per
  // event once warm.
  static constexpr size_t kHintRing = 8;
  static constexpr int kHintLag = 2;
  plugin_host::EventHints hints_[kHintRing];
  // Per ring slot, bit k: hint k may still be cached (PrefetchEntity's
  // answer); an absent one gets no more stages, only the stored-key
  // filter's block. kMaxPerEvent fits.
  uint32_t hints_live_[kHintRing] = {};
  static_assert(plugin_host::EventHints::kMaxPerEvent <= 32);
  // RISKFLOW_ENTITY_HINTS=0 in the environment turns them off (read at
  // construction; for A/B runs).
  bool hints_on_ = true;
  // Cleared decisions whose strings and repeated fields keep their
  // allocations: filling one allocates nothing for the header, where fresh
  // ones cost ~8 string allocations and frees per event (protobuf's
  // ArenaStringPtr Set/Destroy were ~8% of a replay's CPU). At most
  // max_batch_events; reserved up front so it never reallocates.
  std::vector<riskflow::v1::Decision> spare_decisions_;
  // Every event is decided into this one, reused while it is in the CPU
  // cache; swapped into the micro-batch's whole decisions when KeepWhole.
  riskflow::v1::Decision scratch_;
  // The micro-batch's decisions as written, one per decision, encoded as
  // each is decided (batch_commit.h); cleared with them.
  EncodedDecisions encoded_;
  plugin_host::CrashMarker* crash_marker_ = nullptr;
  std::atomic<uint64_t> already_decided_{0};
  // Set by Stop (any thread) before the queue closes; wakes a commit
  // backoff.
  absl::Notification stopping_;
  std::atomic<bool> abandoned_{false};
  // Per-batch failures (commits, state reads) are logged at most this often.
  logging::RateLimiter log_limiter_{10, absl::Seconds(10)};
  // Background checkpoints (null: CheckpointPolicy::background is off).
  // Last: destroyed first, while what its callback touches still exists.
  std::unique_ptr<CheckpointWriter> writer_;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_SHARD_H_
