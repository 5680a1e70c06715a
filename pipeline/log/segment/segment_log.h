// An append-only event log in segment files: a candidate replacement for the
// RocksDB-backed log (pipeline/log/event_log.*), measured against it in
// segment_log_bench.cc. Format, guarantees, repair and retention rules are in
// docs/segment-log.md; the record framing is in segment_format.h.
//
// Thread safety: every method may be called from any thread at any time.
// Appends from many threads are group-committed: the caller at the head of
// the queue becomes the leader, takes every queued Append (up to
// max_group_bytes), writes them with one pwritev and one fdatasync, and
// wakes them; Appends arriving meanwhile queue for the next leader. This is
// LevelDB's / RocksDB's write-thread scheme without a memtable.
//
// Write + Sync split an Append in two for a caller that pipelines (the
// event log, docs/segment-log.md "Concurrent syncs"): a group written while
// another group's fdatasync is in flight gets a sync of its own at once,
// instead of waiting for that one to end before its own begins.
#ifndef RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_LOG_H_
#define RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_LOG_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "pipeline/log/segment/segment_preparer.h"

namespace riskflow::log::segment {

struct SegmentLogOptions {
  // A segment is rolled (a new file started) before a group that would take
  // it past this size; a single group larger than it gets a segment alone.
  uint64_t segment_bytes = 64 << 20;
  // One group write holds at most this many bytes (one Append alone may not
  // exceed it). It is also the torn-tail window on open: at a crash only the
  // last, unsynced group can be half written, so a bad record further than
  // this from the end of the last segment is corruption, not a torn write.
  uint64_t max_group_bytes = 4 << 20;
  // A sparse index entry (sequence -> offset) every this many records or
  // this many bytes, whichever comes first.
  uint32_t index_every_records = 256;
  uint64_t index_every_bytes = 64 << 10;
  // Records longer than this are refused on Append and treated as a bad
  // length when read.
  uint32_t max_record_bytes = 16 << 20;
  // Write each sealed segment's sparse index to <first sequence>.idx and,
  // on open, take a valid one (CRC and segment size match) instead of
  // reading every record of that segment. Its records' CRCs are then
  // checked when they are read, not at open. The last segment is always
  // scanned (it is the one a crash can leave torn).
  bool persist_index = true;
  // false only for benchmarks measuring what fdatasync costs: then Append
  // returns once the group is written to the page cache.
  bool sync = true;
  // With sync: roll into segment files prepared zero-filled in the
  // background (segment_preparer.h), so a group's fdatasync writes no
  // file-size change. The first prepared file after Open holds
  // first_prepared_bytes, each next one twice the last, up to
  // segment_bytes (a short-lived log writes little and zero-fills little);
  // a segment in a prepared file rolls when the file is full. A sealed
  // segment is cut to its records' size.
  bool prepare_segments = true;
  uint64_t first_prepared_bytes = 1 << 20;
  // Only while groups are small: a file is prepared (at a roll, or after a
  // group when none is ready) only while the moving average of bytes per
  // group is below this. Zero-filling writes every byte twice; that buys a
  // cheaper fdatasync, which matters for small groups (an Evaluate, a
  // trickle of Publishes) and is noise next to a bulk group's own data, so
  // under bulk load segments are created empty and grow instead
  // (docs/segment-log.md, "Prepared only for small groups").
  uint64_t prepare_below_group_bytes = 32 << 10;
  // Receives what repair and retention did (one line each). Null: stderr.
  std::function<void(const std::string&)> log_line;
};

// Retention: whole segments are deleted, oldest first, while the log is
// over max_total_bytes or the segment's newest record is older than max_age.
// Never the active (last) segment, and never a segment holding a sequence
// >= keep_from_sequence (the engine's checkpoint offset: what recovery must
// re-read).
struct RetentionPolicy {
  std::optional<uint64_t> max_total_bytes;
  std::optional<absl::Duration> max_age;
};

struct RetentionResult {
  size_t segments_deleted = 0;
  uint64_t bytes_deleted = 0;
  // The log's first sequence afterwards (unchanged when nothing went).
  uint64_t first_sequence = 0;
};

// What Open found and repaired (also logged through log_line).
struct OpenReport {
  size_t segments = 0;
  uint64_t records = 0;
  // Segments read record by record, and sealed ones taken from .idx files.
  size_t segments_scanned = 0;
  size_t index_files_used = 0;
  // Torn-tail repair of the last segment: bytes cut off at tail_offset.
  bool truncated_tail = false;
  std::string truncated_file;
  uint64_t truncated_offset = 0;
  uint64_t truncated_bytes = 0;
  std::string truncated_reason;
};

struct SegmentLogStats {
  uint64_t appends = 0;   // Append and Write calls that wrote
  uint64_t groups = 0;    // group writes (one pwritev each)
  uint64_t syncs = 0;     // fdatasyncs that made groups durable
  uint64_t records = 0;
  uint64_t bytes = 0;     // framed bytes written
  uint64_t rolls = 0;
  uint64_t prepared_rolls = 0;  // rolls into a prepared (zero-filled) file
};

class SegmentLog {
 public:
  // Opens (creating if missing) the log in `dir`: lists the segments,
  // rebuilds the sparse index by reading every record (CRCs checked), and
  // repairs a torn tail of the last segment. Corruption anywhere else fails
  // with DATA_LOSS naming the file and offset.
  static absl::StatusOr<std::unique_ptr<SegmentLog>> Open(
      std::string dir, SegmentLogOptions options);
  ~SegmentLog();
  SegmentLog(const SegmentLog&) = delete;
  SegmentLog& operator=(const SegmentLog&) = delete;

  // Appends the payloads as consecutive records; returns the first one's
  // sequence once all of them are durable (written and fdatasync'ed, the
  // segment's directory entry too). Empty payloads are refused. After a
  // failed write or sync the log refuses every later Append (the state of
  // the file is unknown until reopened, which repairs it).
  absl::StatusOr<uint64_t> Append(absl::Span<const std::string_view> payloads);
  absl::StatusOr<uint64_t> Append(absl::Span<const std::string> payloads);

  // Like Append, but returns once the records are written to the file:
  // they are neither durable nor visible to Read and Scan until a Sync
  // covers them. Returns the first record's sequence.
  absl::StatusOr<uint64_t> Write(absl::Span<const std::string_view> payloads);
  absl::StatusOr<uint64_t> Write(absl::Span<const std::string> payloads);
  // Makes every record written before the call durable and visible;
  // returns next_sequence() after it. Up to kSyncSlots Syncs run at once
  // (more wait for a slot), each on its own descriptor of the active file:
  // a write-back error is reported once per open file description, so one
  // shared descriptor could report it to one of two concurrent syncs and
  // let the other succeed. After a failed sync nothing more is made
  // visible, and every later Write, Append and Sync fails.
  absl::StatusOr<uint64_t> Sync();
  static constexpr int kSyncSlots = 4;

  // The payload with this sequence, or nullopt when it is not in the log
  // (beyond the last durable record, or deleted by retention).
  absl::StatusOr<std::optional<std::string>> Read(uint64_t sequence);

  // Visits records with sequence >= from (durable when the scan started),
  // in order, until fn returns false. Fails with OUT_OF_RANGE when `from`
  // is below the first retained sequence (records were deleted), so a
  // reader never skips records silently.
  absl::Status Scan(
      uint64_t from,
      const std::function<bool(uint64_t sequence, std::string_view payload)>&
          fn);

  absl::StatusOr<RetentionResult> EnforceRetention(
      const RetentionPolicy& policy, uint64_t keep_from_sequence,
      absl::Time now);

  // First retained sequence (next_sequence() when the log is empty).
  uint64_t first_sequence();
  // Every sequence < next_sequence() is durable.
  uint64_t next_sequence() const { return next_durable_.load(); }
  uint64_t total_bytes();
  size_t segment_count();
  const OpenReport& open_report() const { return open_report_; }
  // Tests: blocks until no segment file is being prepared.
  void WaitForPreparation() {
    if (preparer_ != nullptr) preparer_->WaitIdle();
  }
  SegmentLogStats stats();

 private:
  struct IndexEntry {
    uint64_t sequence;
    uint64_t offset;
  };
  struct Segment {
    uint64_t first_sequence = 0;
    uint64_t next_sequence = 0;  // one past its last record
    uint64_t bytes = 0;          // durable size
    std::string path;
    // Sparse index, ascending; the first entry is (first_sequence, 0)
    // once the segment holds a record.
    std::vector<IndexEntry> index;
  };
  // Decides where the sparse index gets its entries, record by record.
  struct IndexBuilder {
    uint64_t last_sequence = 0;
    uint64_t last_offset = 0;
    bool any = false;
    // True when the record (sequence, offset) gets an entry.
    bool Take(const SegmentLogOptions& options, uint64_t sequence,
              uint64_t offset);
  };
  struct Writer;
  // The active file opened once per sync slot (see Sync), before any
  // record the syncs cover is written.
  struct SyncFiles {
    std::string path;
    int fds[kSyncSlots];
    SyncFiles() { std::fill(std::begin(fds), std::end(fds), -1); }
    ~SyncFiles();
  };
  // A group written and not yet covered by a sync: what Publish adds to
  // the active segment's durable view once one is.
  struct Unsynced {
    uint64_t next_sequence = 0;
    uint64_t bytes = 0;  // the segment's size after it
    std::vector<IndexEntry> index;
  };

  SegmentLog(std::string dir, SegmentLogOptions options);
  absl::Status Load();
  absl::Status LoadSegment(Segment* segment, bool last);
  bool LoadIndexFile(Segment* segment);
  void PersistIndex(const Segment& segment);
  void Log(const std::string& line);
  // Frames payloads into a Writer, refusing what no group can hold.
  absl::StatusOr<std::unique_ptr<Writer>> Frame(
      absl::Span<const std::string_view> payloads);
  // Queues the writer; `durable`: return only once a sync covers it.
  absl::StatusOr<uint64_t> AppendFramed(std::unique_ptr<Writer> writer,
                                        bool durable);
  // Leader only: writes the group (segment_log_sync.cc).
  absl::Status WriteGroup(std::vector<Writer*>& group);
  // Leader only, before a group's write: the sync descriptors of the
  // active file.
  absl::Status OpenSyncFiles();
  // Adds the written groups below `next_sequence` to the durable view.
  void Publish(uint64_t next_sequence)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(segments_mu_);
  // Records a failed write or sync: every later call fails with it.
  void Fail(const absl::Status& status);
  static absl::Status FailedStatus(const absl::Status& cause);
  absl::Status RollTo(uint64_t first_sequence);
  // Starts preparing the next file when groups are small (see
  // prepare_below_group_bytes); a no-op while one is ready or in progress.
  void MaybePrepare();
  // Cuts the active file's zero-filled tail before it is sealed.
  absl::Status TrimActive();
  absl::Status SyncDir();

  const std::string dir_;
  const SegmentLogOptions options_;
  OpenReport open_report_;

  // The append queue. The front writer is the leader until its group is
  // done.
  absl::Mutex queue_mu_;
  std::deque<Writer*> queue_ ABSL_GUARDED_BY(queue_mu_);
  absl::Status failed_ ABSL_GUARDED_BY(queue_mu_);

  // Leader-only state (only one leader at a time, so no lock): the active
  // (last) segment as the writer sees it.
  int active_fd_ = -1;
  std::string active_path_;
  uint64_t active_bytes_ = 0;
  // The active file's size on disk: above active_bytes_ while a prepared
  // file's zero-filled tail is ahead of the records.
  uint64_t active_file_bytes_ = 0;
  // The size the active file was prepared with (it rolls when full), 0
  // for a file created empty (it rolls at segment_bytes).
  uint64_t active_prepared_bytes_ = 0;
  // The size of the next file to prepare.
  uint64_t next_prepared_bytes_ = 0;
  // Moving average of bytes per group (1/16 weight to the newest), which
  // decides whether files are prepared at all.
  uint64_t average_group_bytes_ = 0;
  IndexBuilder active_index_;
  bool have_segment_ = false;
  // sync_files_ is the active file's (false from a roll to the next write).
  bool active_sync_files_ = false;
  uint64_t next_sequence_ = 1;  // next to assign

  // The segment list as readers and retention see it: durable sizes only.
  absl::Mutex segments_mu_;
  std::vector<Segment> segments_ ABSL_GUARDED_BY(segments_mu_);
  SegmentLogStats stats_ ABSL_GUARDED_BY(segments_mu_);
  std::atomic<uint64_t> next_durable_{1};
  // Written groups a sync has not yet covered, oldest first; all in the
  // active segment (a roll syncs the segment it seals first).
  std::deque<Unsynced> unsynced_ ABSL_GUARDED_BY(segments_mu_);
  uint64_t written_next_ ABSL_GUARDED_BY(segments_mu_) = 1;
  // Null until the active file's first write (then opened by the leader).
  std::shared_ptr<SyncFiles> sync_files_ ABSL_GUARDED_BY(segments_mu_);
  bool slot_busy_[kSyncSlots] ABSL_GUARDED_BY(segments_mu_) = {};
  absl::Status sync_failed_ ABSL_GUARDED_BY(segments_mu_);
  // Null without sync or prepare_segments.
  std::unique_ptr<SegmentPreparer> preparer_;
};

}  // namespace riskflow::log::segment

#endif  // RISKFLOW_PIPELINE_LOG_SEGMENT_SEGMENT_LOG_H_
