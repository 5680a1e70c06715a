#include "pipeline/storage/store.h"

#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "pipeline/storage/rocks_status.h"
#include "pipeline/storage/store_events.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_manager.h"
#include "rocksdb/table.h"
#include "rocksdb/write_buffer_manager.h"

namespace riskflow::storage {
namespace {

constexpr Cf kAllCfs[kNumCfs] = {Cf::kDefault, Cf::kLog,    Cf::kIdem,
                                 Cf::kState,   Cf::kOutbox, Cf::kDecisions,
                                 Cf::kMeta};

rocksdb::BlockBasedTableOptions TableOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  // Index and filter blocks live in the shared cache too, so the cache size
  // bounds read-side memory; L0's are pinned because every read touches them.
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  // Partitioned filters and a two-level index: a file's bloom filter is
  // cached in ~4 KB partitions instead of one block per file. A single
  // filter block for a few million keys outgrows a shard of the LRU cache,
  // is evicted as soon as it is read, and every idempotency check then
  // re-reads it from disk (seen: the log writer fell from ~60K to ~1.4K
  // events/s past ~3.3M logged events). Only the small top level is pinned.
  t.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  t.partition_filters = true;
  t.metadata_block_size = 4096;
  t.pin_top_level_index_and_filter = true;
  t.cache_index_and_filter_blocks_with_high_priority = true;
  return t;
}

rocksdb::ColumnFamilyOptions CfOptions(
    Cf cf, const std::shared_ptr<rocksdb::Cache>& cache, CfTuner* tuner) {
  rocksdb::ColumnFamilyOptions o;
  o.level_compaction_dynamic_level_bytes = true;
  rocksdb::BlockBasedTableOptions t = TableOptions(cache);
  switch (cf) {
    case Cf::kIdem:
      // Every ingested event probes its event_id; most are new, so a bloom
      // filter answers "absent" without touching data blocks.
      t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      // The same for the memtable, where the newest (and most) ids live.
      o.memtable_whole_key_filtering = true;
      o.memtable_prefix_bloom_size_ratio = 0.05;
      break;
    case Cf::kLog:
      // Append-only by increasing sequence: flushed files never overlap, so
      // leveled compaction moves them down without rewriting (trivial moves)
      // and write amplification stays near 1. Readers scan by sequence
      // rather than probe, so no bloom filter, and larger blocks make those
      // scans cheaper. FIFO compaction is not an option: the log is only
      // trimmed explicitly, never by size.
      t.block_size = 64 << 10;
      break;
    default:
      break;
  }
  // The state CF's options come from pipeline/state (state_store.h).
  if (tuner != nullptr) tuner->Tune(&o, &t);
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

}  // namespace

const char* CfName(Cf cf) {
  switch (cf) {
    case Cf::kDefault:
      return "default";
    case Cf::kLog:
      return "log";
    case Cf::kIdem:
      return "idem";
    case Cf::kState:
      return "state";
    case Cf::kOutbox:
      return "outbox";
    case Cf::kDecisions:
      return "decisions";
    case Cf::kMeta:
      return "meta";
  }
  return "unknown";
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir,
                                                   const StoreOptions& opts) {
  std::unique_ptr<Store> store(new Store());
  store->tuners_ = opts.tuners;

  auto cache = rocksdb::NewLRUCache(opts.block_cache_bytes);
  rocksdb::DBOptions db_opts;
  db_opts.create_if_missing = opts.create_if_missing;
  db_opts.create_missing_column_families = opts.create_if_missing;
  // Memtables are budgeted on their own rather than charged to the block
  // cache, so each knob means what it says.
  db_opts.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(opts.write_buffer_bytes);
  db_opts.max_background_jobs = 4;
  // WAL append and memtable insert of consecutive write groups overlap.
  db_opts.enable_pipelined_write = true;

  // A full disk must neither abort the daemon nor keep it from starting
  // again with little space (docs/operations.md, "Disk full"):
  // * no LOG file: RocksDB reports through riskflow's logger (see
  //   store_events.h for the assertion a failed LOG append trips);
  store->name_ = opts.name;
  store->dir_ = dir;
  db_opts.info_log =
      std::make_shared<RocksLogger>(opts.name, opts.info_log_level);
  db_opts.info_log_level = opts.info_log_level;
  // * the MANIFEST is preallocated in 4 MB steps by default, per store:
  //   8 MB of a nearly full disk before the first write; 64 KB steps cost
  //   an extra fallocate now and then;
  db_opts.manifest_preallocation_size = 64 << 10;
  // * the WAL is replayed into the memtables at open without writing
  //   level-0 files first, so a restart needs no room for a flush;
  db_opts.avoid_flush_during_recovery = true;
  // * background errors are remembered (the disk guard refuses input and
  //   calls Resume() when space is back) instead of RocksDB waiting for a
  //   64 MB free-space buffer to recover by itself;
  store->events_ = std::make_shared<StoreEventListener>(opts.name);
  db_opts.listeners.push_back(store->events_);
  // * the SstFileManager tracks table-file bytes, refuses compactions the
  //   free space cannot hold, and enforces max_sst_bytes.
  store->sst_files_.reset(rocksdb::NewSstFileManager(rocksdb::Env::Default()));
  if (opts.max_sst_bytes > 0) {
    store->sst_files_->SetMaxAllowedSpaceUsage(opts.max_sst_bytes);
  }
  db_opts.sst_file_manager = store->sst_files_;

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (Cf cf : kAllCfs) {
    descriptors.emplace_back(CfName(cf),
                             CfOptions(cf, cache, store->tuner(cf)));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_opts, dir, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("open rocksdb at ", dir));
  store->db_.reset(raw);
  store->disable_wal_ = opts.disable_wal;
  for (size_t i = 0; i < handles.size() && i < kNumCfs; ++i) {
    store->handles_[i] = handles[i];
  }
  // RocksDB ignores a subdirectory of its dir it did not create.
  store->staging_dir_ = dir + "/ingest-staging";
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(store->staging_dir_, ec)) {
    std::filesystem::remove(entry.path(), ec);
    if (ec) {
      return absl::InternalError(absl::StrCat(
          "remove the leftover ", entry.path().string(), ": ", ec.message()));
    }
    ++store->staging_removed_;
  }
  ec.clear();
  std::filesystem::create_directories(store->staging_dir_, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat(
        "create ", store->staging_dir_, ": ", ec.message()));
  }
  return store;
}

Store::~Store() {
  if (db_ == nullptr) return;
  for (rocksdb::ColumnFamilyHandle*& h : handles_) {
    if (h != nullptr) {
      // Errors while closing have no one to report to; the WAL keeps data.
      db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
      h = nullptr;
    }
  }
  db_->Close().PermitUncheckedError();
  db_.reset();
}

absl::Status Store::Write(rocksdb::WriteBatch* batch, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync && !disable_wal_;
  wo.disableWAL = disable_wal_;
  return FromRocks(db_->Write(wo, batch), "write batch");
}

absl::StatusOr<bool> Store::Get(Cf cf, std::string_view key,
                                std::string* value) {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf),
                               rocksdb::Slice(key.data(), key.size()), value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, absl::StrCat("get from ", CfName(cf)));
  return true;
}

std::unique_ptr<rocksdb::Iterator> Store::NewIterator(Cf cf) {
  // Callers without options may cross entity prefixes (Scan, tests), so
  // they get total order, never prefix-bloom mode.
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  return NewIterator(cf, ro);
}

std::unique_ptr<rocksdb::Iterator> Store::NewIterator(
    Cf cf, const rocksdb::ReadOptions& read_options) {
  return std::unique_ptr<rocksdb::Iterator>(
      db_->NewIterator(read_options, handle(cf)));
}

absl::Status Store::IteratorStatus(const rocksdb::Iterator& it,
                                   std::string_view what) {
  return FromRocks(it.status(), what);
}

rocksdb::ColumnFamilyHandle* Store::handle(Cf cf) {
  return handles_[static_cast<int>(cf)];
}

bool Store::write_stopped() const { return events_->stopped(); }

std::string Store::last_background_error() const {
  return events_->last_error();
}

uint64_t Store::background_errors() const { return events_->errors(); }

bool Store::AnyActiveMemtableData() {
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    uint64_t active = 0;
    db_->GetIntProperty(h, "rocksdb.num-entries-active-mem-table", &active);
    if (active > 0) return true;
  }
  return false;
}

absl::Status Store::Resume() {
  if (!events_->stopped()) return absl::OkStatus();
  // RocksDB 7.8 moves to a fresh WAL on Resume() only by switching a
  // non-empty active memtable. After a failed WAL append with every active
  // memtable empty (e.g. right after a flush), it would keep the failed WAL
  // writer, and the next write trips an assertion (abort) in
  // WritableFileWriter. Such a store stays stopped (input refused) until a
  // restart, which opens a new WAL.
  if (events_->wal_failed() && !AnyActiveMemtableData()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ", name_, " store at ", dir_, " failed a WAL write with empty "
        "memtables; RocksDB cannot resume it in place, restart riskflowd "
        "once space is freed"));
  }
  rocksdb::Status s = db_->Resume();
  if (s.ok()) {
    events_->MarkResumed();
    return absl::OkStatus();
  }
  return FromRocks(s, absl::StrCat("resume ", name_, " store at ", dir_));
}

uint64_t Store::sst_bytes() const { return sst_files_->GetTotalSize(); }

bool Store::sst_limit_reached() const {
  return sst_files_->IsMaxAllowedSpaceReachedIncludingCompactions();
}

absl::Status Store::Flush() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  std::vector<rocksdb::ColumnFamilyHandle*> all(handles_.begin(),
                                                handles_.end());
  return FromRocks(db_->Flush(fo, all), "flush");
}

absl::Status Store::Compact(Cf cf) {
  rocksdb::CompactRangeOptions co;
  // Force the bottommost level through the filter too; by default RocksDB
  // may skip rewriting it, and expired entries would survive there.
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(co, handle(cf), nullptr, nullptr),
                   absl::StrCat("compact ", CfName(cf)));
}

}  // namespace riskflow::storage
