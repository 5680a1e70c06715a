#ifndef RISKFLOW_PIPELINE_LOG_HORIZON_ID_INDEX_H_
#define RISKFLOW_PIPELINE_LOG_HORIZON_ID_INDEX_H_

// The live log's idempotency index when records are in segment files
// (docs/segment-log.md, "Idempotency within a dedupe horizon"):
// (channel, event_id) fingerprints -> (sequence, content hash) for the ids
// of the last `horizon_events` logged events, all in memory.
//
// - Exact enough: the 128-bit fingerprints of id_index.h (collision odds
//   ~n^2 / 2^129), plus each event's 64-bit ContentHash so a re-send with
//   other content is still reported as Conflict::kResend.
// - Bounded: an id is recognised while fewer than horizon_events events
//   have been logged after it, and forgotten then (a later re-send is
//   logged again as a new event). Memory: an 8-byte slot in a table that
//   doubles up to the horizon's size (horizon_id_table.h: 10.7-21.3 B per
//   id at a full horizon, 13.4 B at the default 10M) + 24 bytes in a chunk
//   per remembered id. (Before: a 25-byte absl::flat_hash_map slot, ~29-57
//   B at its load factors, and a rehash of the whole table as it grew.)
// - Never stalls the writer: no operation rehashes or copies the horizon;
//   Append is one insert + one erase in that table (+ at most 8 slots moved
//   while it doubles), and chunks are reserved at their full size.
// - Rebuilt on open from checkpoint files + the log's tail. New ids arrive
//   with dense sequences (every logged event is new), so the entries are
//   kept in sequence order in chunks of chunk_events; a full chunk is
//   written by a background thread to <checkpoint_dir>/<chunk>.ids (temp
//   file + rename, CRC32C, not fsynced: a lost or torn file is only read
//   again from the log). Checkpoint() also writes the partial last chunk
//   (on a clean stop). Rebuild loads the contiguous chunk files within the
//   horizon and scans the log after the last sequence they cover, so after
//   a kill -9 at most one chunk (+ any not yet written) is re-read.
//
// Not thread-safe: EventLog serializes access (the checkpoint thread only
// reads sealed chunks, which are immutable, and prepares the table's next
// doubling through HorizonIdTable::PrepareSpare).

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/log/horizon_id_table.h"
#include "pipeline/log/id_chunk_file.h"
#include "pipeline/log/id_index.h"

namespace riskflow::log {

struct HorizonIdIndexOptions {
  // Ids of this many most recent logged events are remembered (>= 1, at
  // most HorizonIdTable::kMaxEntries).
  uint64_t horizon_events = 10'000'000;
  // Entries per chunk (checkpoint file); 0: horizon / 8, at most 2^18.
  uint64_t chunk_events = 0;
  // Ids the table holds before its first doubling (HorizonIdTable).
  uint64_t initial_table_entries = HorizonIdTable::kDefaultInitialEntries;
  // Where chunk files go; empty: no checkpoint (rebuild scans the log).
  std::string checkpoint_dir;
  // Receives what rebuild and the checkpoint thread did. Null: stderr.
  std::function<void(const std::string&)> log_line;
};

struct IdIndexRebuildReport {
  uint64_t from_checkpoint = 0;  // entries taken from chunk files
  uint64_t scanned = 0;          // log records read
  size_t files_used = 0;
};

class HorizonIdIndex {
 public:
  struct Entry {
    uint64_t sequence = 0;
    uint64_t content_hash = 0;
  };
  // What Rebuild's scan hands back per log record.
  using Visit = std::function<void(uint64_t sequence, const IdFingerprint& fp,
                                   uint64_t content_hash)>;
  // Feeds every logged record with sequence > after to the visitor.
  using ScanLog =
      std::function<absl::Status(uint64_t after, const Visit& visit)>;

  explicit HorizonIdIndex(HorizonIdIndexOptions options);
  // Finishes queued chunk writes (not a queued table preparation).
  ~HorizonIdIndex();
  HorizonIdIndex(const HorizonIdIndex&) = delete;
  HorizonIdIndex& operator=(const HorizonIdIndex&) = delete;

  std::optional<Entry> Lookup(const IdFingerprint& fp) const;

  // Records the id of a newly logged event. Sequences must be dense: the
  // first call after construction or Rebuild sets where they start.
  void Append(uint64_t sequence, const IdFingerprint& fp,
              uint64_t content_hash);

  // Rebuilds the index of a log holding [first_sequence, last_sequence]
  // (log_last 0: empty) from chunk files and `scan`. Call once, before Append.
  absl::StatusOr<IdIndexRebuildReport> Rebuild(uint64_t first_sequence,
                                               uint64_t log_last,
                                               const ScanLog& scan);

  // Writes every chunk not yet on disk, the partial last one included, and
  // waits for the writes. Call while nobody appends.
  absl::Status Checkpoint();

  // Drops the table's next doubling prepared ahead, or the request for it
  // (a stop: not worth mapping up to 128 MiB for).
  void WithdrawSpare() { table_.WithdrawSpare(); }

  size_t size() const { return table_.size(); }
  uint64_t horizon_events() const { return options_.horizon_events; }
  uint64_t chunk_events() const { return chunk_events_; }
  // 0 when nothing was appended.
  uint64_t last_sequence() const { return next_ == 0 ? 0 : next_ - 1; }
  size_t memory_bytes() const;
  const HorizonIdTable& table() const { return table_; }

 private:
  using ChunkEntry = IdChunkRecord;
  struct Chunk {
    uint64_t id = 0;     // (first sequence of the chunk's range - 1) / size
    uint64_t first = 0;  // sequence of entries[0]
    std::vector<ChunkEntry> entries;
    size_t on_disk = 0;  // entries its checkpoint file already holds
  };
  struct Task {
    std::shared_ptr<const Chunk> write;  // else delete chunk `id`...
    uint64_t id = 0;
    // ...unless this is set: prepare the table's next doubling, of this
    // many slots (HorizonIdTable::PrepareSpare).
    uint64_t spare_slots = 0;
  };

  uint64_t ChunkId(uint64_t sequence) const {
    return (sequence - 1) / chunk_events_;
  }
  const ChunkEntry& At(uint64_t sequence) const;
  void Evict(uint64_t floor);
  void Enqueue(Task task);
  void CheckpointLoop();
  // fsync of checkpoint_dir, so a deletion survives a crash (failures are
  // logged: the caller has no better recourse).
  void SyncCheckpointDir();
  void Log(const std::string& line) const;
  // Loads the chunk files covering (covered, last]; returns the new
  // covered sequence.
  uint64_t LoadChunkFiles(uint64_t start, uint64_t last,
                          IdIndexRebuildReport* report);

  const HorizonIdIndexOptions options_;
  const uint64_t chunk_events_;
  HorizonIdTable table_;
  std::deque<std::shared_ptr<Chunk>> chunks_;
  uint64_t next_ = 0;            // next sequence expected; 0: none yet
  uint64_t evicted_through_ = 0;

  absl::Mutex mu_;
  std::deque<Task> tasks_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status write_status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace riskflow::log

#endif  // RISKFLOW_PIPELINE_LOG_HORIZON_ID_INDEX_H_
