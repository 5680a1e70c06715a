#ifndef RISKFLOW_PIPELINE_STATE_STORE_H_
#define RISKFLOW_PIPELINE_STATE_STORE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pipeline/state/state_spec.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/sst_file_manager.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {

class StateExpiryRegistry;
class StoreEventListener;

// Column families; the names on disk are "default", "log", "idem", "state",
// "outbox", "decisions", "meta".
enum class Cf { kDefault, kLog, kIdem, kState, kOutbox, kDecisions, kMeta };
inline constexpr int kNumCfs = 7;
const char* CfName(Cf cf);

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
};

// The engine's RocksDB: every column family, the shared cache and memtable
// budget, and the state CF's merge operator and expiry filter. Thread-safe.
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

  // Event time the state CF's compaction filter expires against: entries
  // older than clock - retention are dropped. Plain atomic store, so the
  // caller owns monotonicity. It must not run ahead of the slowest shard's
  // watermark (minus allowed lateness), or a shard could lose data it still
  // reads.
  void SetExpiryClock(int64_t event_time_ms);
  // Lets the filter expire this state's entries. Until registered, a state's
  // entries are kept forever. Idempotent; cheap when nothing changes.
  void RegisterState(const StateSpec& spec);

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
  const std::string& name() const { return name_; }

  absl::Status Flush();         // all memtables, waits (tests)
  absl::Status CompactState();  // full compaction of the state CF (tests)

 private:
  Store() = default;
  bool AnyActiveMemtableData();

  std::shared_ptr<StateExpiryRegistry> registry_;
  std::shared_ptr<StoreEventListener> events_;
  std::shared_ptr<rocksdb::SstFileManager> sst_files_;
  std::string dir_;
  std::string name_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kNumCfs> handles_{};
  bool disable_wal_ = false;
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_STORE_H_
