// The original layout: records in the log store's log column family
// (SequenceKey -> EncodeLogRecord), exact idempotency keys in idem and the
// running max event time in meta, all in one synced WriteBatch per group.
#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pipeline/log/log_backend.h"
#include "pipeline/log/log_keys.h"
#include "pipeline/storage/key_encoding.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"

namespace riskflow::log {

using storage::SequenceKey;
using storage::DecodeSequenceKey;
using storage::PutFixed64;
using storage::GetFixed64;
namespace {

using storage::Cf;

class RocksLogBackend : public LogBackend {
 public:
  RocksLogBackend(storage::Store* store, bool sync)
      : store_(store), sync_(sync) {}

  absl::StatusOr<BackendState> Open() override {
    BackendState state;
    std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(Cf::kLog);
    it->SeekToLast();
    if (it->Valid()) {
      rocksdb::Slice key = it->key();
      if (!DecodeSequenceKey(std::string_view(key.data(), key.size()),
                             &state.last_sequence)) {
        return absl::DataLossError("event log holds a malformed sequence key");
      }
    }
    if (auto s = store_->IteratorStatus(*it, "reading the event log tail");
        !s.ok()) {
      return s;
    }
    std::string value;
    absl::StatusOr<bool> found =
        store_->Get(Cf::kMeta, kMetaMaxEventTime, &value);
    if (!found.ok()) return found.status();
    if (*found && value.size() == 8) {
      state.max_event_time_ms = static_cast<int64_t>(GetFixed64(value));
    } else if (*found) {
      // Present but unreadable: still "events were logged" for the caller.
      state.max_event_time_ms = 0;
    }
    written_.store(state.last_sequence);
    return state;
  }

  absl::Status Write(GroupWrite& group) override {
    rocksdb::WriteBatch batch;
    uint64_t seq = group.first_sequence;
    for (const std::string& record : group.records) {
      batch.Put(store_->handle(Cf::kLog), SequenceKey(seq++), record);
    }
    for (const auto& [key, value] : group.idem_entries) {
      batch.Put(store_->handle(Cf::kIdem), key, value);
    }
    std::string time_value;
    PutFixed64(&time_value, static_cast<uint64_t>(group.max_event_time_ms));
    batch.Put(store_->handle(Cf::kMeta), kMetaMaxEventTime, time_value);
    if (auto s = store_->Write(&batch, sync_); !s.ok()) return s;
    written_.store(group.last_sequence);
    return absl::OkStatus();
  }

  // Each Write was synced (or sync is off): nothing is left to do.
  absl::StatusOr<uint64_t> Sync() override { return written_.load(); }

  absl::StatusOr<std::optional<std::string>> Read(uint64_t sequence) override {
    std::string value;
    absl::StatusOr<bool> found =
        store_->Get(Cf::kLog, SequenceKey(sequence), &value);
    if (!found.ok()) return found.status();
    if (!*found) return std::nullopt;
    return value;
  }

  absl::Status Scan(uint64_t after,
                    const std::function<bool(uint64_t, std::string_view)>& fn)
      override {
    std::unique_ptr<rocksdb::Iterator> it = store_->NewIterator(Cf::kLog);
    for (it->Seek(SequenceKey(after + 1)); it->Valid(); it->Next()) {
      uint64_t seq = 0;
      rocksdb::Slice key = it->key();
      rocksdb::Slice value = it->value();
      if (!DecodeSequenceKey(std::string_view(key.data(), key.size()), &seq)) {
        return absl::DataLossError("event log holds a malformed sequence key");
      }
      if (!fn(seq, std::string_view(value.data(), value.size()))) break;
    }
    return store_->IteratorStatus(*it, "scanning the event log");
  }

  uint64_t first_sequence() override { return 1; }

 private:
  storage::Store* store_;
  const bool sync_;
  std::atomic<uint64_t> written_{0};  // last sequence written
};

}  // namespace

std::unique_ptr<LogBackend> NewRocksLogBackend(storage::Store* store,
                                               bool sync) {
  return std::make_unique<RocksLogBackend>(store, sync);
}

}  // namespace riskflow::log
