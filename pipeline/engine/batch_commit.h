#ifndef RISKFLOW_PIPELINE_ENGINE_BATCH_COMMIT_H_
#define RISKFLOW_PIPELINE_ENGINE_BATCH_COMMIT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "pipeline/common/logger.h"
#include "pipeline/router/account_holds.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/storage/store.h"
#include "proto/riskflow/v1/decision.pb.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {

// Where and how one shard writes.
struct CommitTarget {
  storage::Store* store = nullptr;
  sinks::Outbox* outbox = nullptr;
  uint32_t shard_count = 1;
  uint32_t shard_index = 0;
  // Engine writes need no fsync: everything they hold can be recomputed
  // from the synced event log (docs/architecture.md, "Durability").
  bool sync = false;
  // False for replay: decisions leave through the observer only.
  bool store_decisions = true;
  // False for replay and shadow engines: no sink entries.
  bool write_outboxes = true;
};

// The retry loop of BatchCommit::WriteWithRetry, for any write `attempt`
// of shard `shard_index` (also the background checkpoint writer's).
bool WriteWithRetry(const std::function<absl::Status()>& attempt,
                    uint32_t shard_index, absl::Notification* stopping,
                    logging::RateLimiter* limiter, uint64_t last_checkpoint);

// Each decision of a micro-batch in the form the commit writes it, made
// right after the event is decided, while the decision's strings are
// still in the CPU cache. Encoding them all at the commit, after up to a
// micro-batch of other events, missed the cache on nearly every string
// (docs/benchmarks.md, "Issue 9, tenth session"). The encodings go one
// after another into one reused buffer, written sequentially.
//
// It holds all the commit needs of a decision (sequence, routes, bytes),
// so the shard can decide every event into one reused Decision and keep
// a decision whole only where someone reads it afterwards: recycling a
// micro-batch of whole decisions cleared cold memory (docs/benchmarks.md,
// "Issue 9, eleventh session").
class EncodedDecisions {
 public:
  // Bounds `d` in place (sink_entry.h) and encodes it when the commit
  // writes it (stored or sunk, see BatchCommit::AddDecisions). The i-th
  // call goes with the micro-batch's i-th decision.
  void Add(const CommitTarget& target, riskflow::v1::Decision* d);
  size_t size() const { return entries_.size(); }
  // The i-th decision's bytes, valid until the next Add or Clear; empty:
  // the commit does not write it.
  std::string_view bytes(size_t i) const {
    return std::string_view(buffer_).substr(entries_[i].offset,
                                            entries_[i].size);
  }
  // Whether the commit stores the i-th decision under its sequence.
  bool stored(size_t i) const { return entries_[i].stored; }
  // The i-th decision's routes (sinks::RouteBits); 0: no sink entry.
  uint32_t sink_routes(size_t i) const { return entries_[i].sink_routes; }
  // The decisions' log sequences, in the order added.
  const std::vector<uint64_t>& sequences() const { return sequences_; }
  // Empties it for the next micro-batch, keeping the buffer's memory
  // (fresh memory per batch costs page faults) unless it grew large.
  void Clear();
  size_t buffer_capacity() const { return buffer_.capacity(); }

 private:
  struct Entry {
    size_t offset = 0;
    uint32_t size = 0;
    uint32_t sink_routes = 0;
    bool stored = false;
  };
  std::string buffer_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> sequences_;
};

// The one write a shard makes to the engine store, built up in two parts:
//
//  * decisions of a micro-batch: each decision that must be kept (one with
//    annotations; a clean PASS is rebuilt from its log record on look-up)
//    under its log sequence, and a sink entry per non-PASS route — every
//    micro-batch writes these, so a decision is durable (up to the engine
//    store's WAL) before any waiter or sink consumer sees it;
//  * a checkpoint: the shard's state changes (ShardState::FlushTo) with the
//    log sequence they reflect (the shard's offset, see ShardLayouts) —
//    only when one is due (CheckpointPolicy).
//
// Both parts go into one RocksDB WriteBatch, so a crash leaves either all
// of it or none. Decisions may run ahead of the last checkpoint; recovery
// re-runs the events after the checkpoint for their state and recognises
// the stored decisions, so nothing reaches a sink twice.
class BatchCommit {
 public:
  explicit BatchCommit(const CommitTarget& target);

  // Call at most once. The decisions of a micro-batch, bounded and encoded
  // one by one as they were decided (EncodedDecisions::Add); `encoded`
  // must outlive Write.
  void AddDecisions(const EncodedDecisions& encoded);

  // Hold changes for the look-up index (router::AddToHoldIndex), in the
  // same write as the decisions that made them.
  void AddHoldIndex(
      const std::vector<std::pair<std::string, std::optional<router::Hold>>>&
          changes);

  // Adds every cached state change of `state` (marking it clean) and the
  // shard's offset `through`.
  void AddCheckpoint(state::ShardState* state, uint64_t through);

  bool empty() const { return batch_.Count() == 0 && pending_.empty(); }
  bool has_checkpoint() const { return has_checkpoint_; }
  size_t sink_entries() const { return pending_.size(); }

  // One attempt. On failure the batch is as it was (Outbox::Commit assigns
  // sink sequences anew on every attempt), so it can be retried.
  absl::Status Write();

  // Writes, retrying a failed write: acked events are already durable in
  // the log, so a failed commit is retried rather than dropped. While the
  // shard runs the retries go on (the cause may pass, e.g. disk space
  // coming back), with backoff up to 2 s; once `stopping` is notified, a
  // few more attempts, then the write is given up and false returned: the
  // log is the source of truth, and the next start re-decides everything
  // after the shard's last checkpoint.
  bool WriteWithRetry(absl::Notification* stopping,
                      logging::RateLimiter* limiter,
                      uint64_t last_checkpoint);

 private:
  const CommitTarget target_;
  rocksdb::WriteBatch batch_;
  std::vector<sinks::PendingDecision> pending_;
  bool has_checkpoint_ = false;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_BATCH_COMMIT_H_
