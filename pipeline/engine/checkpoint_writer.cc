#include "pipeline/engine/checkpoint_writer.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/common/background_thread.h"
#include "pipeline/engine/checkpoint_sst.h"
#include "pipeline/engine/shard_layouts.h"
#include "pipeline/storage/key_encoding.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {

using storage::Cf;

CheckpointWriter::CheckpointWriter(
    const CommitTarget& target, absl::Notification* stopping,
    logging::RateLimiter* limiter,
    std::function<absl::Status(uint32_t)> hook,
    std::function<void(uint64_t, int64_t)> on_written)
    : target_(target),
      stopping_(stopping),
      limiter_(limiter),
      hook_(std::move(hook)),
      on_written_(std::move(on_written)),
      thread_([this] { Loop(); }) {}

CheckpointWriter::~CheckpointWriter() {
  {
    absl::MutexLock lock(&mu_);
    quit_ = true;
  }
  thread_.join();
}

void CheckpointWriter::Submit(state::StateChanges changes, uint64_t through,
                              int64_t watermark, uint64_t last_checkpoint,
                              absl::Duration serialise_time) {
  absl::MutexLock lock(&mu_);
  busy_.store(true);
  job_.emplace();
  job_->changes = std::move(changes);
  job_->through = through;
  job_->watermark = watermark;
  job_->last_checkpoint = last_checkpoint;
  job_->serialise_time = serialise_time;
}

state::StateChanges CheckpointWriter::TakeSpare() {
  absl::MutexLock lock(&mu_);
  state::StateChanges spare = std::move(spare_);
  spare_ = state::StateChanges();
  return spare;
}

void CheckpointWriter::Wait() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](std::atomic<bool>* busy) { return !busy->load(); }, &busy_));
}

void CheckpointWriter::Loop() {
  // A checkpoint's sort and SST build are hundreds of ms of CPU that no
  // client waits for; on two cores they used to show in the Evaluate and
  // ack tails (docs/checkpoints.md, "Background priority").
  DeprioritizeThisThread(5);
  NameThisThread("checkpoint");
  while (true) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](CheckpointWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
            return w->quit_ || w->job_.has_value();
          },
          this));
      // A submitted job is written even when quitting: the shard waits
      // for it (Wait) before it lets the writer go.
      if (!job_.has_value()) return;
      job = std::move(*job_);
      job_.reset();
    }
    Run(job);
    job.changes.Clear();
    absl::MutexLock lock(&mu_);  // wakes Wait
    spare_ = std::move(job.changes);
    busy_.store(false);
  }
}

void CheckpointWriter::Run(Job& job) {
  const absl::Time t0 = absl::Now();
  const size_t changes = job.changes.size();
  job.changes.Sort();
  const absl::Time t1 = absl::Now();
  const std::string offset_key =
      ShardLayouts::OffsetKey(target_.shard_count, target_.shard_index);
  const std::string offset_value = storage::SequenceKey(job.through);
  CheckpointSst files(target_.store,
                      absl::StrCat(target_.shard_count, "-",
                                   target_.shard_index, "-", job.through));
  // Only when the changes cannot be one SST file (a Merge after another
  // change of the same key): the old single write, state and offset
  // together.
  std::optional<rocksdb::WriteBatch> batch;
  absl::Duration build_time;
  // No sink entries: the write goes straight to the store, not through
  // Outbox::Commit, whose lock would hold every other shard's decision
  // commit for as long as this (large) write takes.
  const bool ok = WriteWithRetry(
      [&]() -> absl::Status {
        if (!batch.has_value() && !files.built()) {
          // Built once; a failed ingestion retries with the same files.
          const absl::Time b0 = absl::Now();
          absl::Status built =
              files.Build(job.changes, offset_key, offset_value);
          build_time += absl::Now() - b0;
          if (absl::IsFailedPrecondition(built)) {
            logging::Log(
                logging::Level::kWarning,
                {"engine", static_cast<int>(target_.shard_index)},
                absl::StrCat("checkpoint through ", job.through,
                             " is written as one WriteBatch: ",
                             built.message()));
            batch.emplace();
            job.changes.AppendSortedTo(&*batch,
                                       target_.store->handle(Cf::kState));
            batch->Put(target_.store->handle(Cf::kMeta), offset_key,
                       offset_value);
          } else if (!built.ok()) {
            return built;
          }
          // The contents are not needed any more; the memory is kept for
          // the next checkpoint (TakeSpare).
          job.changes.Clear();
        }
        if (hook_) {
          absl::Status s = hook_(target_.shard_index);
          if (!s.ok()) return s;
        }
        if (batch.has_value()) return target_.store->Write(&*batch, target_.sync);
        return files.Ingest();
      },
      target_.shard_index, stopping_, limiter_, job.last_checkpoint);
  if (!ok) {
    // `files` deletes what it built.
    failed_.store(true);
    return;
  }
  on_written_(job.through, job.watermark);
  written_.fetch_add(1);
  const absl::Time t2 = absl::Now();
  logging::Log(
      logging::Level::kInfo, {"engine", static_cast<int>(target_.shard_index)},
      absl::StrCat(
          "checkpoint through ", job.through, ": ", changes,
          " changes; serialised in ",
          absl::ToInt64Milliseconds(job.serialise_time),
          " ms on the shard thread, then sorted in ",
          absl::ToInt64Milliseconds(t1 - t0), " ms and written in ",
          absl::ToInt64Milliseconds(t2 - t1), " ms in the background",
          batch.has_value()
              ? " (one WriteBatch)"
              : absl::StrCat(" (SST file of ", files.entries(), " entries, ",
                             files.file_bytes() >> 10, " KiB, built in ",
                             absl::ToInt64Milliseconds(build_time),
                             " ms, ingested in ",
                             absl::ToInt64Milliseconds(files.ingest_time()),
                             " ms",
                             files.flushes() > 0
                                 ? absl::StrCat(
                                       " after a flush (state memtable ",
                                       files.flushed_state_entries(),
                                       " entries)")
                                 : "",
                             ")")));
}

}  // namespace riskflow::engine
