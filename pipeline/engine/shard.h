#ifndef RISKFLOW_PIPELINE_ENGINE_SHARD_H_
#define RISKFLOW_PIPELINE_ENGINE_SHARD_H_

#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/engine/bounded_queue.h"
#include "pipeline/engine/decision_waiters.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/plugin_host/pipeline.h"
#include "pipeline/plugin_host/shard_detectors.h"
#include "pipeline/router/router.h"
#include "pipeline/sinks/outbox.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/store.h"

namespace riskflow::engine {

// A queue entry: an event, or (sequence 0) a marker saying every event up
// to `through` that belongs to this shard has been queued before it.
struct ShardItem {
  uint64_t through = 0;
  log::LoggedEvent event;
};

struct ShardContext {
  state::Store* store;
  sinks::Outbox* outbox;
  DecisionWaiters* waiters;
  plugin_host::Pipeline* pipeline;
  const router::Router* router;
  uint32_t shard_count;
  size_t queue_capacity;
  size_t max_batch_events;
  size_t max_cached_entities;
  int64_t allowed_lateness_ms;
  bool sync_commits;
  // Called after each commit (on the shard thread).
  std::function<void()> on_committed;
};

// The fields of a decision that depend only on the logged event.
void FillDecisionHeader(const log::LoggedEvent& e,
                        const std::string& pipeline_version,
                        riskflow::v1::Decision* d);

// One single-threaded partition of the engine: runs the detectors over its
// accounts' events in log order and commits each micro-batch (state
// changes, decisions, outbox entries, processed offset) in one WriteBatch.
class Shard {
 public:
  Shard(uint32_t index, const ShardContext& ctx);
  ~Shard();

  absl::Status Init();  // instantiates detectors
  void Start();
  // Blocks while the queue is full (backpressure).
  void Enqueue(std::vector<ShardItem>&& items);
  // Finishes the queue, commits, stops the thread.
  void Stop();

  // Every event of this shard with sequence <= this is committed.
  uint64_t processed_through() const { return through_.load(); }
  uint64_t events_processed() const { return events_.load(); }
  // Log watermark of the newest event (or marker) this shard has committed
  // through; state older than the engine-wide minimum may expire.
  int64_t committed_watermark() const { return watermark_.load(); }
  const state::ShardState& state() const { return *state_; }

  static std::string OffsetKey(uint32_t shard_count, uint32_t index);

 private:
  void Loop();
  void ProcessAndCommit(std::vector<ShardItem>& items);
  void Decide(const log::LoggedEvent& e, riskflow::v1::Decision* d);
  void CommitWithRetry(rocksdb::WriteBatch* batch,
                       const std::vector<sinks::PendingDecision>& pending);

  const uint32_t index_;
  const ShardContext ctx_;
  std::unique_ptr<state::ShardState> state_;
  std::unique_ptr<plugin_host::ShardDetectors> detectors_;
  BoundedQueue<ShardItem> queue_;
  std::thread thread_;
  std::atomic<uint64_t> through_{0};
  std::atomic<uint64_t> events_{0};
  std::atomic<int64_t> watermark_{INT64_MIN};
  uint64_t persisted_through_ = 0;
  std::atomic<bool> stopping_{false};
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_SHARD_H_
