#ifndef RISKFLOW_PIPELINE_ENGINE_CHECKPOINT_WRITER_H_
#define RISKFLOW_PIPELINE_ENGINE_CHECKPOINT_WRITER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "pipeline/common/logger.h"
#include "pipeline/engine/batch_commit.h"
#include "pipeline/state/state_changes.h"

namespace riskflow::engine {

// Writes one shard's checkpoints off the shard thread (docs/checkpoints.md):
// the shard serialises its dirty state (ShardState::FlushChanges) and hands
// it over with the log sequence it reflects; this thread sorts it into key
// order, writes it and the shard's offset as SST files and ingests both in
// one atomic step (CheckpointSst), retrying like every engine write
// (WriteWithRetry). At most one checkpoint
// is in flight: the shard submits the next one only once busy() is false.
//
// The shard relies on two promises: `on_written` runs (on this thread)
// only after the write committed, before busy() turns false; and a write
// is only given up once `stopping` is notified (failed() then stays true).
class CheckpointWriter {
 public:
  // `on_written(through, watermark)` notes the committed checkpoint.
  // `hook` (tests; may be null) runs before every write attempt (after the
  // SST files are built, before they are ingested), on this thread; a
  // non-OK status fails that attempt.
  CheckpointWriter(const CommitTarget& target, absl::Notification* stopping,
                   logging::RateLimiter* limiter,
                   std::function<absl::Status(uint32_t shard)> hook,
                   std::function<void(uint64_t, int64_t)> on_written);
  // Waits for the checkpoint in flight, if any.
  ~CheckpointWriter();

  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Requires !busy(). `last_checkpoint` names the sequence the next start
  // re-runs from if this write is given up; `serialise_time` is what
  // FlushChanges cost the shard thread (logged with the write).
  void Submit(state::StateChanges changes, uint64_t through,
              int64_t watermark, uint64_t last_checkpoint,
              absl::Duration serialise_time);
  // A checkpoint is submitted and not yet written (or given up).
  bool busy() const { return busy_.load(); }
  // Blocks until !busy().
  void Wait();
  // A write was given up at shutdown: the shard's cache holds changes the
  // store never got.
  bool failed() const { return failed_.load(); }
  // Checkpoints written so far (tests, metrics).
  uint64_t written() const { return written_.load(); }
  // The last written checkpoint's buffer, emptied, for the shard to fill
  // again (StateChanges::Clear); empty before the first.
  state::StateChanges TakeSpare();

 private:
  struct Job {
    state::StateChanges changes;
    uint64_t through = 0;
    int64_t watermark = 0;
    uint64_t last_checkpoint = 0;
    absl::Duration serialise_time;
  };
  void Loop();
  void Run(Job& job);

  const CommitTarget target_;
  absl::Notification* const stopping_;
  logging::RateLimiter* const limiter_;
  const std::function<absl::Status(uint32_t)> hook_;
  const std::function<void(uint64_t, int64_t)> on_written_;
  absl::Mutex mu_;
  std::optional<Job> job_ ABSL_GUARDED_BY(mu_);
  state::StateChanges spare_ ABSL_GUARDED_BY(mu_);
  bool quit_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> busy_{false};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> written_{0};
  std::thread thread_;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_CHECKPOINT_WRITER_H_
