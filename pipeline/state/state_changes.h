#ifndef RISKFLOW_PIPELINE_STATE_STATE_CHANGES_H_
#define RISKFLOW_PIPELINE_STATE_STATE_CHANGES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace riskflow::state {

// A shard cache's serialised state changes (ShardState::FlushChanges), in
// the order they were found, to be turned into a WriteBatch elsewhere. The
// shard thread only copies bytes into one arena; the WriteBatch is built
// by the checkpoint writer thread (docs/checkpoints.md). Not sorted: on
// this 2-core machine the sort of ~250K keys cost the writer 0.4-1.4 s of
// CPU that the shards needed, for a few percent off the memtable insert.
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
  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  size_t bytes() const { return arena_.size(); }

  // Appends every change to `batch` in the order they were added (a key
  // added twice: the later change wins, as it would have directly).
  void AppendTo(rocksdb::WriteBatch* batch,
                rocksdb::ColumnFamilyHandle* cf) const;

 private:
  struct Op {
    uint64_t offset;  // of the key in arena_; the value follows it
    uint32_t key_size;
    uint32_t value_size;
    bool merge;
  };
  void Add(std::string_view key, std::string_view value, bool merge);

  std::string arena_;
  std::vector<Op> ops_;
};

}  // namespace riskflow::state

#endif  // RISKFLOW_PIPELINE_STATE_STATE_CHANGES_H_
