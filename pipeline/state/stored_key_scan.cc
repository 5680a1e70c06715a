#include "pipeline/state/stored_key_scan.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pipeline/common/background_thread.h"
#include "pipeline/common/logger.h"
#include "pipeline/state/key_codec.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"

namespace riskflow::state {

absl::Status StoredKeyScan::Run(storage::Store* store, StoredKeyFilter* filter,
                                const std::atomic<bool>* stop,
                                uint64_t* keys) {
  rocksdb::ReadOptions ro;
  // Across entities and states: the prefix extractor would otherwise
  // confine the iterator to one entity.
  ro.total_order_seek = true;
  // A one-off sweep: keep the block cache for the shards.
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it =
      store->NewIterator(storage::Cf::kState, ro);
  uint64_t n = 0;
  std::string last;  // id | len | entity of the last key added
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if ((++n & 4095) == 0 && stop != nullptr &&
        stop->load(std::memory_order_relaxed)) {
      if (keys != nullptr) *keys = n;
      return absl::CancelledError("stored key scan stopped");
    }
    const std::string_view key(it->key().data(), it->key().size());
    DecodedStateKey d;
    // A key that does not decode has no (id, entity) prefix any read could
    // ask for (every prefix a shard builds decodes), so it needs no bit.
    if (!DecodeStateKey(key, &d)) continue;
    const size_t prefix = key.size() - d.rest.size();
    // An entity's buckets and members are adjacent: add it once.
    if (key.substr(0, prefix) == last) continue;
    last.assign(key.data(), prefix);
    filter->Add(d.id, d.entity);
  }
  if (keys != nullptr) *keys = n;
  if (absl::Status s = store->IteratorStatus(*it, "stored key scan");
      !s.ok()) {
    return s;
  }
  filter->MarkReady();
  return absl::OkStatus();
}

std::unique_ptr<StoredKeyScan> StoredKeyScan::Start(storage::Store* store,
                                                    StoredKeyFilter* filter) {
  std::unique_ptr<StoredKeyScan> scan(new StoredKeyScan());
  StoredKeyScan* self = scan.get();
  self->thread_ = std::thread([self, store, filter] {
    // Latency-critical threads first: until it finishes, shards just read.
    DeprioritizeThisThread(10);
    NameThisThread("stored-key-scan");
    const absl::Time start = absl::Now();
    uint64_t keys = 0;
    absl::Status s = Run(store, filter, &self->stop_, &keys);
    self->keys_.store(keys, std::memory_order_relaxed);
    // After the scan (the filter serves as soon as it is ready): fault in
    // what the shards have not touched yet, here rather than on them.
    if (!self->stop_.load(std::memory_order_relaxed)) filter->Populate();
    if (!s.ok() && !absl::IsCancelled(s)) {
      logging::Log(logging::Level::kWarning, {"state"},
                   absl::StrCat("state key filter stays off (every miss "
                                "reads): ",
                                s.ToString()));
    } else if (s.ok()) {
      logging::Log(logging::Level::kInfo, {"state"},
                   absl::StrCat("state key filter ready: ", keys,
                                " state keys in ",
                                absl::FormatDuration(absl::Now() - start)));
    }
    {
      absl::MutexLock lock(&self->mu_);
      self->status_ = s;
    }
    self->done_.store(true, std::memory_order_release);
  });
  return scan;
}

StoredKeyScan::~StoredKeyScan() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

void StoredKeyScan::Wait() {
  if (thread_.joinable()) thread_.join();
}

absl::Status StoredKeyScan::status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

}  // namespace riskflow::state
