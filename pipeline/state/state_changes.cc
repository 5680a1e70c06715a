#include "pipeline/state/state_changes.h"

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

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
  Op& op = ops_.emplace_back();
  for (int w = 0; w < kPrefixWords; ++w) op.prefix[w] = BigEndian(key, 8 * w);
  op.offset = arena_.size();
  op.key_size = static_cast<uint32_t>(key.size());
  op.value_size = static_cast<uint32_t>(value.size());
  op.merge = merge;
  sorted_ = false;
  arena_.append(key.data(), key.size());
  arena_.append(value.data(), value.size());
}

void StateChanges::Sort() {
  if (sorted_) return;
  // Equal prefixes with different lengths ("a" vs "a\0") tie on the
  // integers; the full comparison decides. A key added twice keeps its
  // order through its arena offset (offsets grow with every Add), which
  // makes an in-place sort stable: std::stable_sort's merge buffer was
  // fresh memory at every checkpoint.
  std::sort(ops_.begin(), ops_.end(), [this](const Op& a, const Op& b) {
    for (int w = 0; w < kPrefixWords; ++w) {
      if (a.prefix[w] != b.prefix[w]) return a.prefix[w] < b.prefix[w];
    }
    // Only keys longer than the prefix, or equal in it, reach the arena.
    const int c = a.key_size <= 8 * kPrefixWords &&
                          b.key_size <= 8 * kPrefixWords
                      ? static_cast<int>(a.key_size) -
                            static_cast<int>(b.key_size)
                      : Key(a).compare(Key(b));
    if (c != 0) return c < 0;
    return a.offset < b.offset;
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
    rocksdb::SstFileWriter* file, const rocksdb::MergeOperator* merge) {
  Sort();
  size_t written = 0;
  std::string merged;
  std::vector<rocksdb::Slice> operands;
  std::deque<rocksdb::Slice> partial;
  // The sorted ops point all over the arena: without a prefetch, each
  // key's first touch (RocksDB's order check, a memcmp) waited for memory,
  // ~3% of the daemon's CPU under all detectors.
  constexpr size_t kPrefetchAhead = 8;
  for (size_t j = 0; j < std::min(kPrefetchAhead, ops_.size()); ++j) {
    __builtin_prefetch(arena_.data() + ops_[j].offset);
  }
  for (size_t i = 0; i < ops_.size();) {
    if (i + kPrefetchAhead < ops_.size()) {
      const Op& ahead = ops_[i + kPrefetchAhead];
      __builtin_prefetch(arena_.data() + ahead.offset);
      __builtin_prefetch(arena_.data() + ahead.offset + ahead.key_size +
                         ahead.value_size - 1);
    }
    // The run of ops with this key, reduced to one entry.
    size_t end = i + 1;
    while (end < ops_.size() && SameKey(ops_[end], ops_[i])) ++end;
    const Op& last = ops_[end - 1];
    const rocksdb::Slice key(arena_.data() + last.offset, last.key_size);
    auto value = [this](const Op& op) {
      return rocksdb::Slice(arena_.data() + op.offset + op.key_size,
                            op.value_size);
    };
    auto unreducible = [&](absl::string_view why) {
      const std::string_view k = Key(last);
      return absl::FailedPreconditionError(absl::StrCat(
          "state key '", absl::CHexEscape(absl::string_view(k.data(), k.size())),
          "' has ", end - i, " changes in one checkpoint and ", why,
          "; an SST file holds one entry per key"));
    };
    rocksdb::Status s;
    if (!last.merge || end - i == 1) {
      s = last.merge ? file->Merge(key, value(last))
                     : file->Put(key, value(last));
    } else {
      if (merge == nullptr) return unreducible("no merge operator");
      // The last Put of the run, if any, and the Merges after it.
      size_t from = end;
      while (from > i && ops_[from - 1].merge) --from;
      if (from > i) {
        const rocksdb::Slice base = value(ops_[from - 1]);
        operands.clear();
        for (size_t j = from; j < end; ++j) operands.push_back(value(ops_[j]));
        merged.clear();
        // Set (non-null) when the result is one of the inputs unchanged;
        // RocksDB's own callers start it at nullptr the same way.
        rocksdb::Slice existing_operand(nullptr, 0);
        rocksdb::MergeOperator::MergeOperationOutput out(merged,
                                                         existing_operand);
        if (!merge->FullMergeV2(rocksdb::MergeOperator::MergeOperationInput(
                                    key, &base, operands, nullptr),
                                &out)) {
          return unreducible("the merge operator declined a full merge");
        }
        s = file->Put(key, existing_operand.data() != nullptr
                              ? existing_operand
                              : rocksdb::Slice(merged));
      } else {
        partial.clear();
        for (size_t j = i; j < end; ++j) partial.push_back(value(ops_[j]));
        merged.clear();
        if (!merge->PartialMergeMulti(key, partial, &merged, nullptr)) {
          return unreducible("the merge operator declined a partial merge");
        }
        s = file->Merge(key, merged);
      }
    }
    if (!s.ok()) {
      const std::string_view k = Key(last);
      return absl::InternalError(absl::StrCat(
          "add state key '",
          absl::CHexEscape(absl::string_view(k.data(), k.size())),
          "' to the checkpoint file: ", s.ToString()));
    }
    ++written;
    i = end;
  }
  return written;
}

}  // namespace riskflow::state
