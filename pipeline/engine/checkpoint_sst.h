#ifndef RISKFLOW_PIPELINE_ENGINE_CHECKPOINT_SST_H_
#define RISKFLOW_PIPELINE_ENGINE_CHECKPOINT_SST_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "pipeline/state/state_changes.h"
#include "pipeline/storage/store.h"

namespace riskflow::engine {

// One background checkpoint as SST files ingested into the store
// (docs/checkpoints.md, "Checkpoints as ingested SST files"): the state
// changes in a file for the state column family, the shard's offset in a
// one-key file for the meta column family, both ingested by one
// DB::IngestExternalFiles call, which RocksDB records in one MANIFEST
// write: after a crash both files are in the store or neither is.
//
// Compared with one large WriteBatch this skips the WAL, the memtable
// inserts and the later flush, and — what matters for latency — does not
// hold RocksDB's write queue while ~250K entries are inserted: ingestion
// stops writes only to assign a sequence number and write the MANIFEST.
//
// The files are written in Store::staging_dir() (same file system, so
// ingestion hard-links them) and deleted when not ingested; the store
// deletes leftovers of a crash at open. Not thread-safe: one per
// checkpoint, used by its writer thread.
class CheckpointSst {
 public:
  // `name` makes the file names unique among the store's writers, e.g.
  // "2-1-12345" (shard count, shard, sequence).
  CheckpointSst(storage::Store* store, std::string name);
  // Deletes files that were built but not ingested.
  ~CheckpointSst();

  CheckpointSst(const CheckpointSst&) = delete;
  CheckpointSst& operator=(const CheckpointSst&) = delete;

  // Writes (and syncs) both files: `changes` sorted into the state file
  // (no state file when empty), `offset_key` = `offset_value` into the
  // meta file. FailedPrecondition: `changes` cannot be one SST file
  // (StateChanges::WriteSortedTo); nothing is left on disk then.
  absl::Status Build(state::StateChanges& changes, std::string_view offset_key,
                     std::string_view offset_value);
  bool built() const { return built_; }

  // Ingests the built files, atomically. The state and meta column
  // families' memtables must not hold keys in the files' ranges (else
  // RocksDB flushes them with every write stopped); if they do, they are
  // flushed first without stopping writes (counted in flushes()). After a
  // failure the files stay, so Ingest can be retried.
  absl::Status Ingest();

  // Entries in the state file and the bytes of both files.
  size_t entries() const { return entries_; }
  uint64_t file_bytes() const { return file_bytes_; }
  int flushes() const { return flushes_; }
  // The successful IngestExternalFiles call (after any flush).
  absl::Duration ingest_time() const { return ingest_time_; }
  // Entries in the state CF's memtables when a flush was needed.
  uint64_t flushed_state_entries() const { return flushed_state_entries_; }
  const std::string& state_path() const { return state_path_; }
  const std::string& meta_path() const { return meta_path_; }

 private:
  void RemoveFiles();

  storage::Store* const store_;
  const std::string state_path_;
  const std::string meta_path_;
  bool built_ = false;
  bool has_state_file_ = false;
  size_t entries_ = 0;
  uint64_t file_bytes_ = 0;
  int flushes_ = 0;
  uint64_t flushed_state_entries_ = 0;
  absl::Duration ingest_time_;
};

}  // namespace riskflow::engine

#endif  // RISKFLOW_PIPELINE_ENGINE_CHECKPOINT_SST_H_
