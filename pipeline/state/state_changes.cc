#include "pipeline/state/state_changes.h"

namespace riskflow::state {

void StateChanges::Add(std::string_view key, std::string_view value,
                       bool merge) {
  ops_.push_back(Op{arena_.size(), static_cast<uint32_t>(key.size()),
                    static_cast<uint32_t>(value.size()), merge});
  arena_.append(key.data(), key.size());
  arena_.append(value.data(), value.size());
}

void StateChanges::AppendTo(rocksdb::WriteBatch* batch,
                            rocksdb::ColumnFamilyHandle* cf) const {
  // WriteBatch operations fail only when a max_bytes limit is set on the
  // batch; the engine's batches have none.
  for (const Op& op : ops_) {
    const rocksdb::Slice key(arena_.data() + op.offset, op.key_size);
    const rocksdb::Slice value(arena_.data() + op.offset + op.key_size,
                               op.value_size);
    if (op.merge) {
      batch->Merge(cf, key, value).PermitUncheckedError();
    } else {
      batch->Put(cf, key, value).PermitUncheckedError();
    }
  }
}

}  // namespace riskflow::state
