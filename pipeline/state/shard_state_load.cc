// The read side of the shard cache's misses: loading a (state, entity)'s
// buckets or members from the store, unless the stored-key filter proves
// the store holds none (stored_key_filter.h).
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "pipeline/state/key_codec.h"
#include "pipeline/state/shard_state.h"
#include "pipeline/state/shard_state_entry.h"
#include "pipeline/storage/key_encoding.h"
#include "rocksdb/options.h"

namespace riskflow::state {

using shard_state_internal::kMax;

absl::Status ShardState::LoadBuckets(std::string_view entity, Entry* e,
                                     int64_t lo) {
  if (lo >= e->loaded_from) return absl::OkStatus();
  const SpecInfo& info = specs_[e->spec];
  if (!MaybeStored(info.id, entity)) {
    // Nothing of it in the store: the range is complete as it is.
    e->loaded_from = lo;
    return absl::OkStatus();
  }
  std::string prefix;
  AppendEntityPrefix(info.id, entity, &prefix);
  std::string lower = prefix;
  AppendBucket(lo, &lower);
  std::string upper;
  bool bounded = true;
  if (e->loaded_from == kMax) {
    bounded = storage::PrefixSuccessor(prefix, &upper);
  } else {
    upper = prefix;
    AppendBucket(e->loaded_from, &upper);
  }
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  if (bounded) ro.iterate_upper_bound = &upper_slice;
  // One entity only: lets the prefix bloom skip files without its state.
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it =
      store_->NewIterator(storage::Cf::kState, ro);

  Entry::Buckets buckets;
  Entry::Members members;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.substr(0, prefix.size()) != prefix) break;
    int64_t bucket = 0;
    std::string_view member;
    if (!DecodeBucketSuffix(key.substr(prefix.size()), &bucket, &member)) {
      return absl::DataLossError("state key without a bucket");
    }
    if (bucket >= e->loaded_from) break;
    if (info.kind == StateKind::kDistinct) {
      members.push_back({bucket, std::string(member), false});
    } else {
      int64_t v = 0;
      if (!DecodeInt64(std::string_view(it->value().data(), it->value().size()),
                       &v)) {
        return absl::DataLossError("state counter value is not 8 bytes");
      }
      buckets.push_back({bucket, v, 0});
    }
  }
  if (absl::Status st = store_->IteratorStatus(*it, "load state buckets");
      !st.ok()) {
    return st;
  }
  // Everything loaded lies below loaded_from, and everything cached at or
  // above it, so the loaded run goes in front.
  if (!buckets.empty()) {
    Entry::Buckets& cached = e->buckets();
    buckets.insert(buckets.end(), cached.begin(), cached.end());
    cached.swap(buckets);
  }
  if (!members.empty()) {
    Entry::Members& cached = e->members();
    members.insert(members.end(), std::make_move_iterator(cached.begin()),
                   std::make_move_iterator(cached.end()));
    cached.swap(members);
  }
  e->loaded_from = lo;
  return absl::OkStatus();
}

bool ShardState::MaybeStored(uint64_t id, std::string_view entity) {
  if (stored_keys_ != nullptr && !stored_keys_->MaybeStored(id, entity)) {
    reads_skipped_.store(reads_skipped_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_relaxed);
    return false;
  }
  reads_done_.store(reads_done_.load(std::memory_order_relaxed) + 1,
                    std::memory_order_relaxed);
  return true;
}

}  // namespace riskflow::state
