#ifndef RISKFLOW_PIPELINE_STATE_STATE_CHANGES_H_
#define RISKFLOW_PIPELINE_STATE_STATE_CHANGES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "rocksdb/db.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/sst_file_writer.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {

// A shard cache's serialised state changes (ShardState::FlushChanges), in
// the order they were found, to be turned into a WriteBatch elsewhere. The
// shard thread only copies bytes into one arena; the sort into key order
// and the WriteBatch are done by the checkpoint writer thread
// (docs/checkpoints.md). The sort matters: unsorted, the memtable insert of
// a ~200K-entry checkpoint took 3-7 s instead of 0.4-1.6 s here. Each op
// carries its key's first 16 bytes as two integers, so the sort compares
// those in the op array and touches the arena only on a tie.
class StateChanges {
 public:
  void Put(std::string_view key, std::string_view value) {
    Add(key, value, /*merge=*/false);
  }
  void Merge(std::string_view key, std::string_view value) {
    Add(key, value, /*merge=*/true);
  }
  // Avoids the arena's regrowth copies on a large checkpoint.
  void Reserve(size_t ops, size_t bytes) {
    ops_.reserve(ops);
    arena_.reserve(bytes);
  }
  // Empties it but keeps the memory, for the next checkpoint: on fresh
  // memory every page is a fault (docs/checkpoints.md, "Reused buffers").
  void Clear() {
    ops_.clear();
    arena_.clear();
    sorted_ = true;
  }
  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  size_t bytes() const { return arena_.size(); }
  // Memory held for keys and values (kept by Clear).
  size_t capacity_bytes() const { return arena_.capacity(); }

  // Sorts the changes into key order (stable: a key added twice keeps its
  // order, by its place in the arena, so no merge buffer is allocated); the
  // two writers below sort anyway, this lets a caller time it.
  void Sort();

  // Appends every change to `batch` in key order (stable: a key added twice
  // keeps its order, so the later change wins as it would have directly).
  void AppendSortedTo(rocksdb::WriteBatch* batch,
                      rocksdb::ColumnFamilyHandle* cf);

  // Writes every change to `file` in key order, for a checkpoint ingested
  // as an SST file (docs/checkpoints.md). An SST file holds one entry per
  // key, so a key added more than once is reduced to one entry: a Put
  // replaces whatever came before it; Merges after a Put are applied to it
  // with `merge` (FullMergeV2: one Put), Merges alone are combined
  // (PartialMergeMulti: one Merge). When that is impossible (no `merge`, or
  // it declines): FailedPrecondition (nothing useful is in `file` then; the
  // caller writes these changes as a WriteBatch instead). Returns the
  // number of entries written.
  absl::StatusOr<size_t> WriteSortedTo(rocksdb::SstFileWriter* file,
                                       const rocksdb::MergeOperator* merge);

 private:
  static constexpr int kPrefixWords = 4;
  struct Op {
    // The key's first 32 bytes, big-endian, 0-padded: a state key is
    // id (8) | entity length (4) | entity | bucket (8), so 16 bytes stop
    // inside the entity and every comparison of one state's keys went on
    // to a memcmp in the arena (a cache miss); 32 cover a typical id.
    uint64_t prefix[kPrefixWords];
    uint64_t offset;  // of the key in arena_; the value follows it
    uint32_t key_size;
    uint32_t value_size;
    bool merge;
  };
  void Add(std::string_view key, std::string_view value, bool merge);
  std::string_view Key(const Op& op) const {
    return std::string_view(arena_.data() + op.offset, op.key_size);
  }
  // Equal keys, reading the arena only when the sizes and the integer
  // prefix agree and the keys are longer than it.
  bool SameKey(const Op& a, const Op& b) const {
    if (a.key_size != b.key_size) return false;
    for (int w = 0; w < kPrefixWords; ++w) {
      if (a.prefix[w] != b.prefix[w]) return false;
    }
    return a.key_size <= 8 * kPrefixWords || Key(a) == Key(b);
  }

  std::string arena_;
  std::vector<Op> ops_;
  bool sorted_ = true;
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_STATE_CHANGES_H_
