// The shard's checkpoints (docs/checkpoints.md): when one is due, starting
// it at a log position, serialising it in slices between micro-batches and
// handing it to the background CheckpointWriter. Split from shard.cc, which
// decides and commits events.
#include "pipeline/engine/shard.h"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pipeline/common/logger.h"

namespace riskflow::engine {

bool Shard::CheckpointDue(bool forced, uint64_t through) const {
  const bool behind = checkpointed_.load() < through;
  if (!behind && state_->dirty_entities() == 0) return false;
  if (forced) return true;
  const absl::Duration since_last = absl::Now() - last_checkpoint_time_;
  const size_t dirty = state_->dirty_entities();
  const bool over_budget = state_->OverMemoryBudget();
  if (CatchingUp()) {
    // Replay's policy (CheckpointPolicy::WhenCacheFills: only the dirty
    // cap and the memory budget): a kill meanwhile re-runs from the older
    // checkpoint, and the catch-up ends with one (Engine::CatchUp).
    return dirty >= ctx_.checkpoint.max_dirty_entities ||
           ctx_.checkpoint.MemoryPressureDue(since_last, dirty, over_budget);
  }
  return ctx_.checkpoint.Due(since_last, events_since_checkpoint_, dirty,
                             over_budget);
}

void Shard::StartCheckpoint(uint64_t through, int64_t watermark) {
  // O(1) on the shard thread: the dirty set becomes pending for `through`;
  // slices serialise it (SerialiseSlice), and an event about to change a
  // pending record serialises that record first (copy-on-write), so the
  // checkpoint holds exactly the state as of `through`
  // (docs/checkpoints.md, "Checkpoints serialised in slices").
  const absl::Time start = absl::Now();
  // The last checkpoint's memory, not fresh pages (docs/checkpoints.md,
  // "Reused buffers").
  state_->RecycleChanges(writer_->TakeSpare());
  state_->BeginSlicedCheckpoint();
  pending_through_ = through;
  pending_watermark_ = watermark;
  pending_total_ = absl::Now() - start;
  pending_max_slice_ = pending_total_;
  pending_max_slice_cpu_ = absl::ZeroDuration();
  pending_slices_ = 0;
  pending_cow_start_ = state_->copy_on_write_records();
  // The policy counts from the start: the write's duration does not delay
  // the next one beyond the interval.
  last_checkpoint_time_ = start;
  events_since_checkpoint_ = 0;
}

namespace {

// This thread's CPU time: a slice's wall time also counts the time the
// thread was preempted (2 cores shared with the writer, RocksDB and gRPC),
// which no slice size can bound.
absl::Duration ThreadCpuTime() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return absl::DurationFromTimespec(ts);
}

}  // namespace

void Shard::SerialiseSlice(bool all) {
  if (!state_->sliced_checkpoint_pending()) return;
  const absl::Time start = absl::Now();
  const absl::Duration cpu_start = ThreadCpuTime();
  const bool done =
      all ? state_->SerialiseSlice(SIZE_MAX, absl::InfiniteDuration())
          : state_->SerialiseSlice(ctx_.checkpoint.slice_records,
                                   ctx_.checkpoint.slice_budget);
  state::StateChanges changes;
  if (done) changes = state_->TakeSlicedCheckpoint();
  const absl::Duration took = absl::Now() - start;
  pending_total_ += took;
  pending_max_slice_ = std::max(pending_max_slice_, took);
  pending_max_slice_cpu_ =
      std::max(pending_max_slice_cpu_, ThreadCpuTime() - cpu_start);
  ++pending_slices_;
  slices_.fetch_add(1, std::memory_order_relaxed);
  if (!done) return;
  const size_t n = changes.size();
  logging::Log(logging::Level::kInfo, {"engine", static_cast<int>(index_)},
               absl::StrCat("checkpoint through ", pending_through_, ": ", n,
                            " changes serialised in ", pending_slices_,
                            " slices, longest ",
                            absl::ToDoubleMilliseconds(pending_max_slice_),
                            " ms on the shard thread (",
                            absl::ToDoubleMilliseconds(pending_max_slice_cpu_),
                            " ms of it CPU; total ",
                            absl::ToInt64Milliseconds(pending_total_),
                            " ms; ",
                            state_->copy_on_write_records() -
                                pending_cow_start_,
                            " records copied on write)"));
  // The writer logs the longest stall as what serialising cost the shard
  // thread.
  writer_->Submit(std::move(changes), pending_through_, pending_watermark_,
                  checkpointed_.load(), pending_max_slice_);
}

bool Shard::CheckpointWriterOk() {
  if (writer_ == nullptr) return true;
  if (!abandoned_.load()) SerialiseSlice(/*all=*/true);
  writer_->Wait();
  if (!writer_->failed()) return true;
  if (!abandoned_.load()) Abandon();
  return false;
}

void Shard::NoteCheckpoint(uint64_t through, int64_t watermark) {
  checkpointed_.store(through);
  checkpoint_watermark_.store(watermark);
  last_checkpoint_time_ = absl::Now();
  events_since_checkpoint_ = 0;
}

}  // namespace riskflow::engine
