#ifndef RISKFLOW_PIPELINE_LOG_EVENT_LOG_H_
#define RISKFLOW_PIPELINE_LOG_EVENT_LOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pipeline/log/append_lanes.h"
#include "pipeline/log/horizon_id_index.h"
#include "pipeline/log/id_index.h"
#include "pipeline/log/log_backend.h"
#include "pipeline/metrics/metrics.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/storage/store.h"
#include "proto/riskflow/v1/event.pb.h"

namespace riskflow::log {

// Why an event with a known event_id was not logged again (see
// docs/input-validation.md).
enum class Conflict : uint8_t {
  // Not a conflict: a new event, or a repeat with the same content.
  kNone = 0,
  // An earlier event of the same submitted batch had this id and different
  // content.
  kInBatch = 1,
  // An earlier batch logged this id with different content. Only detected
  // when the original's content hash is known: the store index and the
  // segment log's horizon index keep it (store entries written before it
  // existed do not); the in-memory index of replay keeps none, so there
  // only kInBatch is reported.
  kResend = 2,
};

// What happened to each event of one submitted batch, in batch order.
struct AppendOutcome {
  // The new sequence, or for a re-sent event_id the original one.
  std::vector<uint64_t> sequences;
  // True when the event was not logged because its id was known; conflict
  // says whether its content differed.
  std::vector<bool> duplicate;
  std::vector<Conflict> conflict;
  // Every event with sequence <= durable_sequence is durable.
  uint64_t durable_sequence = 0;
};

// A submitted batch; Wait() returns once its events are durable (or the
// write failed, in which case nothing of it was acknowledged).
class AppendTicket {
 public:
  absl::StatusOr<AppendOutcome> Wait();
  bool WaitWithTimeout(absl::Duration timeout);
  // Runs fn once the ticket is done: at once if it already is, otherwise on
  // a log thread (so fn must be quick and must not block).
  void OnDone(std::function<void()> fn);

 private:
  friend class EventLog;
  void Complete(absl::StatusOr<AppendOutcome> result);

  std::vector<riskflow::v1::Event> events_;
  bool priority_ = false;  // submitted in Lane::kPriority
  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::StatusOr<AppendOutcome> result_ ABSL_GUARDED_BY(mu_);
  std::function<void()> on_done_ ABSL_GUARDED_BY(mu_);
};

// The durable event log with its idempotency index. The log threads take
// turns at writing: one takes every batch submitted since the last group
// (group commit), gives it sequences, writes it, and while it syncs what it
// wrote another may already write the next group and sync it too, when
// that group carries an Evaluate or is a full bulk group
// (docs/segment-log.md, "Concurrent syncs"). Whichever sync ends first
// covers every group written before it began, so groups are acknowledged
// and handed to the dispatcher in sequence order as soon as a sync covers
// them. The records go to a LogBackend (log_backend.h): the log store's
// RocksDB log column family, or append-only segment files with the
// idempotency index in memory (docs/segment-log.md).
class EventLog {
 public:
  // Called on a log thread, one group at a time and in sequence order,
  // after the events are durable. May block: that is how engine
  // backpressure reaches ingest.
  using Dispatcher = std::function<void(std::vector<LoggedEvent>)>;

  struct Options {
    size_t max_pending_events = 1 << 18;
    // The writer's groups (docs/evaluate-lane.md): at most this many bulk
    // events per synced write, and far fewer when the group carries a
    // priority (Evaluate) batch, so that group is written quickly. Groups
    // are dispatched one at a time, and with full shard queues that waits
    // until the shards have room, so the bound is of the order of a shard
    // queue (a larger group only makes the next Evaluate wait longer; an
    // fsync per 2,048 events costs little).
    size_t max_group_events = 2048;
    size_t max_group_events_with_priority = 512;
    // Priority events waiting for the writer; past it, priority submits
    // wait for room like bulk ones (they never count against
    // max_pending_events, so a bulk backlog cannot refuse an Evaluate).
    size_t max_priority_events = 4096;
    // Threads that write and sync groups: with 2, a group carrying an
    // Evaluate (or a full bulk group) is written and synced while another
    // group's fdatasync is in flight rather than after it. 1 is the serial
    // writer. At most segment::SegmentLog::kSyncSlots.
    size_t log_threads = 2;
    int64_t allowed_lateness_ms = 5 * 60 * 1000;
    // false only for benchmarks that measure what fsync costs, and replay.
    bool sync = true;
    // false for replay: the events are only dispatched, never read back
    // from this log (the idempotency index is still kept).
    bool store_records = true;
    // Which idempotency index the log keeps:
    //  0  (riskflowd) exact keys in the store's idem column family, written
    //     in the same synced batch as the log records, so they survive
    //     restarts with the log;
    //  >0 (replay) a MemoryIdIndex of 128-bit fingerprints with this many
    //     entries in memory, spilled to the idem column family beyond that
    //     (see id_index.h). Nothing reaches the store except spills, so it
    //     is lost when the process ends: Open() then requires an empty log
    //     store, and the store must not be reopened in either mode later.
    size_t memory_id_index_entries = 0;
    // The wall clock in Unix ms, or null. When set (riskflowd), an event
    // moves the watermark at most up to the clock at append time, and a
    // stored max event time ahead of the clock is pulled back on Open, so
    // no single event can drag the watermark into the future. Null for
    // replay, whose watermark must depend on the stream only.
    std::function<int64_t()> clock;

    // --- where records go (docs/segment-log.md) ---
    enum class Backend { kRocksDb, kSegments };
    Backend backend = Backend::kRocksDb;
    // kSegments: the segment files' directory (riskflowd:
    // <data_dir>/log-segments); the index checkpoint goes to its id-index/
    // subdirectory. With kRocksDb, when set, Open refuses a directory that
    // holds segments (events logged with the other backend).
    std::string segment_dir;
    uint64_t segment_bytes = 64 << 20;
    // kSegments: re-sent ids are recognised while fewer than this many
    // events were logged after the original (horizon_id_index.h); older
    // ones are logged again as new events.
    uint64_t dedupe_horizon_events = 10'000'000;
    // Entries per index checkpoint file; 0: the index's default.
    uint64_t id_index_chunk_events = 0;
    // Called on a log thread (never while a group is being dispatched)
    // when the log has had nothing to write or dispatch for idle_after
    // since its last group (once per quiet spell): riskflowd's
    // engine then delivers the progress markers it held back for a group
    // of Evaluates only (Engine::FlushDeferredMarkers). Null: never.
    std::function<void()> on_idle;
    absl::Duration idle_after = absl::Milliseconds(1);
    // Observes each group sync's duration in microseconds (riskflowd's
    // riskflow_log_sync_microseconds), or null.
    metrics::Histogram* sync_micros = nullptr;
  };

  EventLog(storage::Store* store, Options options, Dispatcher dispatcher);
  ~EventLog();

  // Loads the last sequence and watermark. Call before Start. With
  // memory_id_index_entries > 0 it fails with FAILED_PRECONDITION unless the
  // store is empty: an in-memory index cannot know ids logged before.
  // With kSegments it opens (and repairs) the segment files, refuses a
  // store whose log column family holds events, and rebuilds the horizon
  // index from its checkpoint and the log's tail; with kRocksDb it refuses
  // a segment_dir holding segments. Never ignores logged events.
  absl::Status Open();
  void Start();
  // Finishes what was submitted, then stops the log threads.
  void Stop();

  // Queues a validated batch. Waits up to wait_for_room for queue space,
  // then fails with RESOURCE_EXHAUSTED; never drops silently. A priority
  // batch (Evaluate) is written in the next group, ahead of waiting bulk
  // batches, and its events reach the engine flagged LoggedEvent::priority.
  absl::StatusOr<std::shared_ptr<AppendTicket>> Submit(
      std::vector<riskflow::v1::Event> events, absl::Duration wait_for_room,
      Lane lane = Lane::kBulk);

  uint64_t durable_sequence() const { return durable_sequence_.load(); }
  // Events submitted and not yet written (metrics: intake queue depth).
  size_t pending_events() {
    absl::MutexLock lock(&mu_);
    return pending_.weight(Lane::kBulk) + pending_.weight(Lane::kPriority);
  }

  // The sequence an (channel, event_id) was logged under, if any. Safe
  // while the writer runs, with either index.
  absl::StatusOr<std::optional<uint64_t>> LookupId(std::string_view channel,
                                                   std::string_view event_id);

  // The in-memory index (spills, size) when configured, else null. Read it
  // only while the writer is stopped.
  const MemoryIdIndex* memory_id_index() const { return memory_index_.get(); }
  // The segment backend's index (null with kRocksDb), and what Open's
  // rebuild of it read. Read them only while the writer is stopped.
  const HorizonIdIndex* horizon_id_index() const {
    return horizon_index_.get();
  }
  const IdIndexRebuildReport& id_index_rebuild() const { return rebuild_; }

  // The logged event with this sequence, if any.
  absl::StatusOr<std::optional<LoggedEvent>> Read(uint64_t sequence);

  // Visits logged events with sequence > after, in order, until fn returns
  // false. Safe while the writer runs (it sees a consistent snapshot).
  absl::Status Scan(uint64_t after,
                    const std::function<bool(LoggedEvent&&)>& fn);

 private:
  // One group from its write to its acknowledgement.
  struct WrittenGroup {
    std::vector<std::shared_ptr<AppendTicket>> tickets;
    std::vector<AppendOutcome> outcomes;  // one per ticket
    std::vector<LoggedEvent> fresh;       // the new events, to dispatch
    size_t events = 0;                    // submitted (counts in the bound)
    // Every sequence of the group (and of the originals of its repeats)
    // is <= this: it is acknowledged once a sync covers it.
    uint64_t last_sequence = 0;
    bool wrote = false;  // records went to the backend: sync them
    absl::Status status;  // a failed write: fail it, nothing to sync
  };

  void LogThreadLoop();
  // With the writer role (one thread at a time, event_log_commit.cc):
  // idempotency, sequences and watermarks, the backend write; the index
  // learns the new ids at once, so the next group sees them.
  WrittenGroup WriteGroup(std::vector<std::shared_ptr<AppendTicket>> group);
  // Acknowledges a group (or fails it) and dispatches its new events.
  void FinishGroup(WrittenGroup& group);
  bool CanFinish() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CanWrite() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Drained() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckEmptyForMemoryIndex();
  // Backend choice guards (event_log_open.cc).
  absl::Status CheckNoRocksRecords();
  absl::Status CheckNoSegments();
  absl::Status RebuildHorizonIndex();
  // The exact index in the store's idem column family.
  absl::StatusOr<std::optional<uint64_t>> LookupStoredId(std::string_view key);
  struct StoredId {
    uint64_t sequence = 0;
    std::optional<uint64_t> content_hash;
  };
  absl::StatusOr<std::optional<StoredId>> LookupStoredEntry(
      std::string_view key);

  storage::Store* store_;
  Options options_;
  Dispatcher dispatcher_;
  std::unique_ptr<LogBackend> backend_;
  IdIndexRebuildReport rebuild_;

  absl::Mutex mu_;
  // Submitted, not yet taken by the writer.
  AppendLanes<std::shared_ptr<AppendTicket>> pending_ ABSL_GUARDED_BY(mu_);
  // Taken by a log thread, not yet acknowledged (count against the bulk
  // bound).
  size_t writing_events_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // A thread has the writer role (takes and writes the next group).
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // A thread is finishing a group (acks, dispatch) or running on_idle.
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  // Written groups in sequence order, waiting for a sync to cover them.
  std::deque<WrittenGroup> written_ ABSL_GUARDED_BY(mu_);
  // The highest sequence a finished sync made durable, and the first
  // failed sync (then nothing more is acknowledged).
  uint64_t synced_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status sync_failed_ ABSL_GUARDED_BY(mu_);
  // A group was finished since on_idle last ran.
  bool idle_due_ ABSL_GUARDED_BY(mu_) = false;

  // Null when the store's exact index is used. The writer and LookupId
  // share it; the writer takes the lock once per group, not per event.
  std::unique_ptr<MemoryIdIndex> memory_index_ ABSL_PT_GUARDED_BY(index_mu_);
  // The segment backend's index (then memory_index_ is null).
  std::unique_ptr<HorizonIdIndex> horizon_index_ ABSL_PT_GUARDED_BY(index_mu_);
  absl::Mutex index_mu_;

  // The writer role's state.
  uint64_t last_sequence_ = 0;
  int64_t max_event_time_ms_ = 0;
  std::atomic<uint64_t> durable_sequence_{0};
  std::vector<std::thread> threads_;
  size_t log_threads_ = 1;  // set before they start
};

// Whether `store`'s RocksDB log column family holds any record (a data
// directory logged with the RocksDB backend). False on a read error: Open
// then reports it.
bool RocksLogHoldsRecords(storage::Store* store);

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_EVENT_LOG_H_
