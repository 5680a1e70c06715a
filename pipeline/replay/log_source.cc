#include "pipeline/replay/log_source.h"

#include <sys/stat.h>

#include <atomic>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "pipeline/log/logged_event.h"
#include "pipeline/storage/key_encoding.h"
#include "pipeline/storage/rocks_status.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace riskflow::replay {
namespace {

constexpr char kLogCf[] = "log";  // storage::CfName(Cf::kLog)

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class LogSource : public EventSource {
 public:
  LogSource(std::string dir, LogFilter filter)
      : dir_(std::move(dir)),
        filter_(std::move(filter)),
        channels_(filter_.channels.begin(), filter_.channels.end()),
        accounts_(filter_.accounts.begin(), filter_.accounts.end()) {}

  ~LogSource() override {
    it_.reset();
    for (rocksdb::ColumnFamilyHandle* h : handles_) {
      if (db_ != nullptr) db_->DestroyColumnFamilyHandle(h);
    }
  }

  absl::Status Open() {
    rocksdb::DBOptions options;
    std::vector<std::string> names;
    rocksdb::Status s =
        rocksdb::DB::ListColumnFamilies(options, dir_, &names);
    if (!s.ok()) return storage::FromRocks(s, "reading the event log's layout");
    bool has_log = false;
    for (const std::string& n : names) has_log |= (n == kLogCf);
    if (!has_log) {
      return absl::NotFoundError(absl::StrCat(
          dir_, " is a RocksDB directory without an event log"));
    }
    // Only the two column families read here: read-only mode allows a
    // subset, and the others' options (merge operator, filters) are then
    // irrelevant.
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
        {kLogCf, rocksdb::ColumnFamilyOptions()}};
    rocksdb::DB* db = nullptr;
    s = rocksdb::DB::OpenForReadOnly(options, dir_, cfs, &handles_, &db);
    if (!s.ok())
      return storage::FromRocks(s, "opening the event log read-only");
    db_.reset(db);
    rocksdb::ReadOptions read;
    read.fill_cache = false;         // one pass: caching only evicts
    read.readahead_size = 4 << 20;   // sequential scan
    it_.reset(db_->NewIterator(read, handles_[1]));
    it_->SeekToLast();
    if (it_->Valid()) ReadSeq(&last_);
    it_->SeekToFirst();
    if (it_->Valid()) ReadSeq(&first_);
    return storage::FromRocks(it_->status(), "reading the event log");
  }

  absl::StatusOr<bool> Next(riskflow::v1::Event* event) override {
    for (; it_->Valid(); it_->Next()) {
      uint64_t seq = 0;
      if (!ReadSeq(&seq)) {
        return absl::DataLossError(
            absl::StrCat(dir_, ": malformed sequence key in the event log"));
      }
      seq_.store(seq);
      log::LoggedEvent logged;
      rocksdb::Slice v = it_->value();
      if (auto st = log::DecodeLogRecord(std::string_view(v.data(), v.size()),
                                         &logged);
          !st.ok()) {
        return absl::DataLossError(
            absl::StrCat(Position(), ": ", st.message()));
      }
      if (!Selected(logged.event)) continue;
      *event = std::move(logged.event);
      it_->Next();
      return true;
    }
    if (auto st = storage::FromRocks(it_->status(), "reading the event log");
        !st.ok()) {
      return st;
    }
    seq_.store(last_);
    return false;
  }

  std::string Position() const override {
    return absl::StrCat(dir_, " seq ", seq_.load());
  }

  std::optional<SourceProgress> Progress() const override {
    if (last_ < first_ || last_ == 0) return std::nullopt;
    const uint64_t seq = seq_.load();
    return SourceProgress{seq >= first_ ? seq - first_ + 1 : 0,
                          last_ - first_ + 1};
  }

 private:
  bool ReadSeq(uint64_t* seq) {
    rocksdb::Slice k = it_->key();
    return storage::DecodeSequenceKey(std::string_view(k.data(), k.size()),
                                      seq);
  }

  bool Selected(const riskflow::v1::Event& e) const {
    if (filter_.from_ms && e.event_time_ms() < *filter_.from_ms) return false;
    if (filter_.to_ms && e.event_time_ms() >= *filter_.to_ms) return false;
    if (!channels_.empty() && !channels_.contains(e.channel_id())) {
      return false;
    }
    if (!accounts_.empty() && !accounts_.contains(e.account_id())) {
      return false;
    }
    return true;
  }

  std::string dir_;
  LogFilter filter_;
  absl::flat_hash_set<std::string> channels_;
  absl::flat_hash_set<std::string> accounts_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::Iterator> it_;
  uint64_t first_ = 0;
  uint64_t last_ = 0;
  std::atomic<uint64_t> seq_{0};
};

}  // namespace

absl::StatusOr<std::string> ResolveLogDir(const std::string& data_dir) {
  if (Exists(data_dir + "/log/CURRENT")) return data_dir + "/log";
  if (Exists(data_dir + "/CURRENT")) return data_dir;
  return absl::NotFoundError(absl::StrCat(
      "--from_log: no riskflowd event log in ", data_dir, " (expected ",
      data_dir, "/log; pass riskflowd's --data_dir)"));
}

absl::StatusOr<std::unique_ptr<EventSource>> OpenLogSource(
    const std::string& data_dir, const LogFilter& filter) {
  absl::StatusOr<std::string> dir = ResolveLogDir(data_dir);
  if (!dir.ok()) return dir.status();
  if (filter.from_ms && filter.to_ms && *filter.from_ms >= *filter.to_ms) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--from_ms (", *filter.from_ms, ") must be before --to_ms (",
        *filter.to_ms, ")"));
  }
  auto source = std::make_unique<LogSource>(*std::move(dir), filter);
  if (auto s = source->Open(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("--from_log ", data_dir, ": ",
                                               s.message()));
  }
  return std::unique_ptr<EventSource>(std::move(source));
}

}  // namespace riskflow::replay
