#include "pipeline/engine/version_history.h"

#include <memory>

#include "pipeline/storage/key_encoding.h"
#include "rocksdb/iterator.h"
#include "rocksdb/write_batch.h"

namespace riskflow::engine {
namespace {

constexpr char kPrefix[] = "pipeline/version_after/";

}  // namespace

absl::Status VersionHistory::Load(storage::Store* store) {
  std::unique_ptr<rocksdb::Iterator> it =
      store->NewIterator(storage::Cf::kMeta);
  const std::string prefix = kPrefix;
  absl::MutexLock lock(&mu_);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    uint64_t after = 0;
    std::string_view key(it->key().data() + prefix.size(),
                         it->key().size() - prefix.size());
    if (storage::DecodeSequenceKey(key, &after)) {
      from_[after] = it->value().ToString();
    }
  }
  return store->IteratorStatus(*it, "reading the pipeline version history");
}

absl::Status VersionHistory::Record(storage::Store* store, uint64_t after,
                                    const std::string& version_hash) {
  {
    absl::MutexLock lock(&mu_);
    if (!from_.empty() && from_.rbegin()->second == version_hash) {
      return absl::OkStatus();
    }
  }
  rocksdb::WriteBatch batch;
  batch.Put(store->handle(storage::Cf::kMeta),
            std::string(kPrefix) + storage::SequenceKey(after), version_hash);
  if (auto s = store->Write(&batch, /*sync=*/true); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  from_[after] = version_hash;
  return absl::OkStatus();
}

std::string VersionHistory::VersionAt(uint64_t sequence) const {
  absl::MutexLock lock(&mu_);
  // The last entry with after < sequence.
  auto it = from_.lower_bound(sequence);
  if (it == from_.begin()) return "";
  return std::prev(it)->second;
}

}  // namespace riskflow::engine
