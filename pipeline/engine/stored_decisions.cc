#include "pipeline/engine/stored_decisions.h"

#include "pipeline/storage/key_encoding.h"
#include "rocksdb/options.h"

namespace riskflow::engine {

using storage::Cf;

StoredDecisionCursor::StoredDecisionCursor(storage::Store* store,
                                           uint64_t after, uint64_t through)
    : store_(store), after_(after), through_(through) {
  if (through_ <= after_) return;
  upper_key_ = storage::SequenceKey(through_ + 1);
  upper_ = rocksdb::Slice(upper_key_);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_;
  // A one-off scan: keep the block cache for the shards' state.
  options.fill_cache = false;
  it_ = store_->NewIterator(Cf::kDecisions, options);
  it_->Seek(storage::SequenceKey(after_ + 1));
}

std::optional<bool> StoredDecisionCursor::Stored(uint64_t sequence) {
  if (it_ == nullptr || failed_ || sequence <= after_ ||
      sequence > through_ || sequence < last_) {
    return std::nullopt;
  }
  last_ = sequence;
  uint64_t at = 0;
  while (it_->Valid()) {
    if (!storage::DecodeSequenceKey(
            std::string_view(it_->key().data(), it_->key().size()), &at)) {
      failed_ = true;  // not a decision key: let the shard look it up
      return std::nullopt;
    }
    if (at >= sequence) break;
    it_->Next();
  }
  if (!it_->Valid()) {
    if (!store_->IteratorStatus(*it_, "stored decisions").ok()) {
      failed_ = true;
      return std::nullopt;
    }
    return false;  // no decision stored at or after `sequence`
  }
  if (at != sequence) return false;
  ++found_;
  return true;
}

}  // namespace riskflow::engine
