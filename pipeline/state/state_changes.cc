#include "pipeline/state/state_changes.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"

namespace riskflow::state {
namespace {

uint64_t BigEndian(std::string_view key, size_t from) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    const size_t at = from + i;
    v = (v << 8) | (at < key.size() ? static_cast<uint8_t>(key[at]) : 0);
  }
  return v;
}

}  // namespace

void StateChanges::Add(std::string_view key, std::string_view value,
                       bool merge) {
  ops_.push_back(Op{{BigEndian(key, 0), BigEndian(key, 8)},
                    arena_.size(),
                    static_cast<uint32_t>(key.size()),
                    static_cast<uint32_t>(value.size()),
                    merge});
  sorted_ = false;
  arena_.append(key.data(), key.size());
  arena_.append(value.data(), value.size());
}

void StateChanges::Sort() {
  if (sorted_) return;
  // Equal prefixes with different lengths ("a" vs "a\0") tie on the
  // integers; the full comparison decides.
  std::stable_sort(ops_.begin(), ops_.end(), [this](const Op& a, const Op& b) {
    if (a.prefix[0] != b.prefix[0]) return a.prefix[0] < b.prefix[0];
    if (a.prefix[1] != b.prefix[1]) return a.prefix[1] < b.prefix[1];
    return Key(a) < Key(b);
  });
  sorted_ = true;
}

void StateChanges::AppendSortedTo(rocksdb::WriteBatch* batch,
                                  rocksdb::ColumnFamilyHandle* cf) {
  Sort();
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

absl::StatusOr<size_t> StateChanges::WriteSortedTo(
    rocksdb::SstFileWriter* file) {
  Sort();
  size_t written = 0;
  for (size_t i = 0; i < ops_.size();) {
    // The run of ops with this key; only its last one is written.
    size_t end = i + 1;
    while (end < ops_.size() && Key(ops_[end]) == Key(ops_[i])) ++end;
    const Op& op = ops_[end - 1];
    if (op.merge && end - i > 1) {
      return absl::FailedPreconditionError(absl::StrCat(
          "state key '", absl::CHexEscape(absl::string_view(Key(op).data(), Key(op).size())), "' has a Merge after ",
          end - i - 1, " earlier change(s) in one checkpoint; an SST file "
          "holds one entry per key"));
    }
    const rocksdb::Slice key(arena_.data() + op.offset, op.key_size);
    const rocksdb::Slice value(arena_.data() + op.offset + op.key_size,
                               op.value_size);
    const rocksdb::Status s =
        op.merge ? file->Merge(key, value) : file->Put(key, value);
    if (!s.ok()) {
      return absl::InternalError(absl::StrCat(
          "add state key '", absl::CHexEscape(absl::string_view(Key(op).data(), Key(op).size())),
          "' to the checkpoint file: ", s.ToString()));
    }
    ++written;
    i = end;
  }
  return written;
}

}  // namespace riskflow::state
