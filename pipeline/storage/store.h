#ifndef RISKFLOW_PIPELINE_STORAGE_STORE_H_
#define RISKFLOW_PIPELINE_STORAGE_STORE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_manager.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace riskflow::storage {

class StoreEventListener;

// Column families; the names on disk are "default", "log", "idem", "state",
// "outbox", "decisions", "meta".
enum class Cf { kDefault, kLog, kIdem, kState, kOutbox, kDecisions, kMeta };
inline constexpr int kNumCfs = 7;
const char* CfName(Cf cf);

// Per-column-family customisation supplied by the package that owns the
// column family's contents, so the store knows nothing of what is stored:
// pipeline/state's tuner gives the state CF its merge operator, prefix
// extractor, bloom filters and expiry compaction filter
// (state::OpenStateStore). The store keeps the tuner alive as long as
// itself, and hands it back (Store::tuner), so its owner can reach what it
// installed (e.g. the expiry clock).
class CfTuner {
 public:
  virtual ~CfTuner() = default;
  // Called once at open, on options that already hold the store's defaults
  // (shared block cache, dynamic level bytes) and before `table` is
  // installed as the CF's table factory.
  virtual void Tune(rocksdb::ColumnFamilyOptions* options,
                    rocksdb::BlockBasedTableOptions* table) = 0;
};

struct StoreOptions {
  // One LRU block cache shared by every column family.
  size_t block_cache_bytes = 256 << 20;
  // One budget for all memtables together (WriteBufferManager).
  size_t write_buffer_bytes = 128 << 20;
  bool create_if_missing = true;
  // No write-ahead log: for replay stores, which are rebuilt from their
  // input when anything goes wrong, never for riskflowd's own.
  bool disable_wal = false;

  // Disk-full behaviour (docs/operations.md, "Disk full").
  // The store's name in log lines ("log", "engine", "shadow"). RocksDB's
  // info log goes to riskflow's logger, never to a LOG file on the disk.
  std::string name = "store";
  // RocksDB messages below this level are dropped (its INFO is a
  // per-flush diary).
  rocksdb::InfoLogLevel info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // The SstFileManager's limit on the total size of this store's table
  // files; flushes and compactions beyond it fail with "space limit" (a
  // background error the disk guard recovers from). 0: no limit.
  uint64_t max_sst_bytes = 0;

  // Customisation per column family, indexed by Cf; null: the defaults.
  std::array<std::shared_ptr<CfTuner>, kNumCfs> tuners{};
  void set_tuner(Cf cf, std::shared_ptr<CfTuner> tuner) {
    tuners[static_cast<int>(cf)] = std::move(tuner);
  }
};

// The engine's RocksDB: every column family, the shared cache and memtable
// budget, and whatever the CF tuners in StoreOptions add. Thread-safe.
class Store {
 public:
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     const StoreOptions& opts);
  // Closes the DB. Memtables are not flushed: the WAL makes them durable.
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  absl::Status Write(rocksdb::WriteBatch* batch, bool sync);
  // Ok(false) when the key does not exist.
  absl::StatusOr<bool> Get(Cf cf, std::string_view key, std::string* value);
  // A plain total-order iterator; check it with IteratorStatus() when done.
  std::unique_ptr<rocksdb::Iterator> NewIterator(Cf cf);
  std::unique_ptr<rocksdb::Iterator> NewIterator(
      Cf cf, const rocksdb::ReadOptions& read_options);
  absl::Status IteratorStatus(const rocksdb::Iterator& it,
                              std::string_view what);
  rocksdb::ColumnFamilyHandle* handle(Cf cf);
  rocksdb::DB* db() { return db_.get(); }

  // The tuner `cf` was opened with (StoreOptions::tuners); null if none.
  CfTuner* tuner(Cf cf) const { return tuners_[static_cast<int>(cf)].get(); }

  // Background errors (a failed WAL append, flush or compaction) stop
  // every write until Resume() succeeds.
  bool write_stopped() const;
  std::string last_background_error() const;
  uint64_t background_errors() const;
  // DB::Resume(): recovers from a background error (flushes the memtables
  // to a fresh WAL). OK when there is nothing to recover from.
  absl::Status Resume();
  // Total size of the store's table files, and whether the SstFileManager's
  // max_sst_bytes is reached.
  uint64_t sst_bytes() const;
  bool sst_limit_reached() const;
  const std::string& dir() const { return dir_; }
  // A directory inside dir() for files to be ingested
  // (DB::IngestExternalFiles with move_files: on the same file system, so
  // ingestion hard-links them instead of copying). Open creates it and
  // deletes what is in it: leftovers of a crash between writing a file and
  // ingesting it (docs/checkpoints.md).
  const std::string& staging_dir() const { return staging_dir_; }
  // Files Open deleted from staging_dir() (tests).
  size_t staging_leftovers_removed() const { return staging_removed_; }
  const std::string& name() const { return name_; }

  absl::Status Flush();         // all memtables, waits (tests)
  absl::Status Compact(Cf cf);  // full compaction of one CF (tests)

 private:
  Store() = default;
  bool AnyActiveMemtableData();

  std::array<std::shared_ptr<CfTuner>, kNumCfs> tuners_{};
  std::shared_ptr<StoreEventListener> events_;
  std::shared_ptr<rocksdb::SstFileManager> sst_files_;
  std::string dir_;
  std::string staging_dir_;
  size_t staging_removed_ = 0;
  std::string name_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kNumCfs> handles_{};
  bool disable_wal_ = false;
};

}  // namespace riskflow::storage

#endif  // RISKFLOW_PIPELINE_STORAGE_STORE_H_
