#include "pipeline/router/held_accounts_filter.h"

#include <memory>

#include "pipeline/state/key_codec.h"
#include "rocksdb/iterator.h"

namespace riskflow::router {

absl::Status HeldAccountsFilter::Seed(storage::Store* store,
                                      uint64_t hold_state_id) {
  std::string prefix;
  state::AppendStateId(hold_state_id, &prefix);
  // Across entities: the state column family's prefix extractor would
  // otherwise confine the scan to one entity.
  rocksdb::ReadOptions ro;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it =
      store->NewIterator(storage::Cf::kState, ro);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    state::DecodedStateKey key;
    if (!state::DecodeStateKey(
            std::string_view(it->key().data(), it->key().size()), &key)) {
      continue;
    }
    Add(key.entity);
  }
  return store->IteratorStatus(*it, "hold records");
}

bool HeldAccountsFilter::MaybeHeld(std::string_view account) const {
  if (size_.load(std::memory_order_acquire) == 0) return false;
  absl::ReaderMutexLock lock(&mu_);
  return accounts_.contains(absl::string_view(account.data(), account.size()));
}

void HeldAccountsFilter::Add(std::string_view account) {
  absl::MutexLock lock(&mu_);
  if (accounts_.emplace(account).second) {
    size_.store(accounts_.size(), std::memory_order_release);
  }
}

}  // namespace riskflow::router
